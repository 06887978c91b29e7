"""AlexNet's two single-tower channel configurations: torchvision's and the 2014 paper's."""
import torchvision

from cnnbook.models import alexnet
from cnnbook.models.alexnet import ONE_WEIRD_TRICK_CHANNELS, TORCHVISION_CHANNELS


def conv_widths(model):
    return tuple(layer.out_channels for layer in model.features if hasattr(layer, "out_channels"))


def test_default_keeps_torchvisions_widths():
    assert conv_widths(alexnet()) == TORCHVISION_CHANNELS == conv_widths(torchvision.models.alexnet())


def test_the_papers_widths_put_384_filters_in_conv4():
    model = alexnet(channels=ONE_WEIRD_TRICK_CHANNELS)
    assert conv_widths(model) == (64, 192, 384, 384, 256)
    # conv4 and conv5 grow by 384 x 128 x 9 weights + 128 biases and 256 x 128 x 9 weights
    extra = 384 * 128 * 9 + 128 + 256 * 128 * 9
    assert sum(p.numel() for p in model.parameters()) == 61_100_840 + extra == 61_838_248
