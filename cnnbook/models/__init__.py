"""The book's model zoo: reference implementations in PyTorch, small enough to read.

Each family lives in its own module, written as small blocks composed by a
builder function; each has a full-size builder with the published
configuration and small variants that train on 28 x 28 or 32 x 32 images on
a laptop CPU within a chapter's budget.

======================  =======================================  ==========================================
module                  full size                                small (CPU)
======================  =======================================  ==========================================
:mod:`.lenet`           ``lenet5("faithful" | "modern")``        (LeNet-5 is small)
:mod:`.small_cnn`       (small only)                             ``small_cnn(widths=(16, 32))``
:mod:`.alexnet`         ``alexnet()``                            ``small_alexnet()``
:mod:`.vgg`             ``vgg(depth, batch_norm)``, ``vgg16()``  ``small_vgg()``
:mod:`.resnet`          ``resnet18/34/50()``, ``resnet(depth)``  ``small_resnet(depth)``, ``small_plainnet(depth)``
:mod:`.mobilenet`       ``mobilenet_v2(num_classes)``            ``small_mobilenet_v2()``, ``small_strided_convnet()``
:mod:`.attention`       (blocks: SE, spatial, ViT)               ``small_attention_cnn()``, ``small_vit()``
:mod:`.gan`             (28 x 28 digits only)                    ``DCGANGenerator()``, ``DCGANDiscriminator()``
======================  =======================================  ==========================================

:mod:`.ensemble` holds ``Ensemble``, several networks used as one by
averaging their outputs (chapter 18's averaged face detectors).

Detection and segmentation (for 64 x 64 scenes): :mod:`.detector` holds
``TinyYOLO``, a YOLO-style single-stage detector with its targets, loss and
post-processing; :mod:`.unet` holds ``SmallUNet``.

The full-size AlexNet, VGG, ResNet and MobileNet v2 have the same parameters, with the
same names and shapes, as torchvision's builders (``weights=None``), so
their parameter counts are equal and torchvision's state dicts load into
them. Small variants share the signature ``(in_channels=1, num_classes=10,
width=...)`` (with ``depth`` first for the ResNets).
"""
from .alexnet import AlexNet, alexnet, small_alexnet
from .convnet import small_convnet
from .attention import (
    ATTENTION_KINDS,
    MultiHeadSelfAttention,
    PatchEmbedding,
    SpatialAttention,
    SqueezeExcitation,
    TransformerBlock,
    VisionTransformer,
    attention,
    patchify,
    permute_patches,
    small_attention_cnn,
    small_vit,
)
from .detector import TinyYOLO, yolo_detections, yolo_loss, yolo_loss_terms, yolo_targets
from .ensemble import Ensemble
from .lenet import (
    C3_CONNECTIONS,
    DIGIT_PROTOTYPES,
    LENET5_PAPER_CONNECTIONS,
    LENET5_PAPER_PARAMETERS,
    LENET5_VARIANTS,
    EuclideanRBF,
    LeNet5,
    PartiallyConnectedConv2d,
    ScaledTanh,
    TrainableSubsampling,
    c3_connection_table,
    digit_prototypes,
    lenet5,
    lenet5_input,
    map_criterion,
)
from .mobilenet import (
    MOBILENET_V2_SETTING,
    ConvBNActivation,
    DepthwiseSeparableConv,
    InvertedResidual,
    MobileNetV2,
    make_divisible,
    mobilenet_v2,
    small_strided_convnet,
    small_mobilenet_v2,
)
from .pretrained import WeightsUnavailable, pretrained, pretrained_weights, weights_file
from .resnet import (
    RESNET_DEPTHS,
    BasicBlock,
    Bottleneck,
    ResNet,
    ZeroPadShortcut,
    resnet,
    resnet18,
    resnet34,
    resnet50,
    small_plainnet,
    small_resnet,
)
from .small_cnn import small_cnn, small_cnn_feature_size
from .unet import SmallUNet
from .vgg import VGG, VGG_DEPTHS, VGG_STAGES, small_vgg, vgg, vgg11, vgg13, vgg16, vgg19, vgg_features

__all__ = [
    "AlexNet", "BasicBlock", "Bottleneck", "C3_CONNECTIONS", "DIGIT_PROTOTYPES", "EuclideanRBF",
    "LENET5_PAPER_CONNECTIONS", "LENET5_PAPER_PARAMETERS", "LENET5_VARIANTS", "LeNet5",
    "PartiallyConnectedConv2d", "RESNET_DEPTHS", "ResNet", "ScaledTanh", "TrainableSubsampling", "VGG",
    "VGG_DEPTHS", "VGG_STAGES", "WeightsUnavailable", "ZeroPadShortcut", "alexnet", "c3_connection_table",
    "digit_prototypes", "lenet5", "lenet5_input", "map_criterion", "pretrained", "pretrained_weights", "resnet",
    "resnet18", "resnet34", "resnet50", "small_alexnet", "small_convnet", "small_plainnet", "small_resnet", "small_vgg", "vgg",
    "vgg11", "vgg13", "vgg16", "vgg19", "vgg_features", "weights_file",
    # depthwise separable convolutions and MobileNets
    "MOBILENET_V2_SETTING", "ConvBNActivation", "DepthwiseSeparableConv", "InvertedResidual", "MobileNetV2",
    "make_divisible", "mobilenet_v2", "small_mobilenet_v2", "small_strided_convnet",
    # attention
    "ATTENTION_KINDS", "MultiHeadSelfAttention", "PatchEmbedding", "SpatialAttention", "SqueezeExcitation",
    "TransformerBlock", "VisionTransformer", "attention", "patchify", "permute_patches", "small_attention_cnn",
    "small_vit",
    "SmallUNet", "TinyYOLO", "yolo_detections", "yolo_loss", "yolo_loss_terms", "yolo_targets",
    # several networks averaged as one
    "Ensemble",
]
__all__ += ["small_cnn", "small_cnn_feature_size"]
