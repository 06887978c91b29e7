"""Every model family traces with torch.fx, so torchvision's feature extractor works on it."""
import pytest
import torch
from torchvision.models.feature_extraction import create_feature_extractor, get_graph_node_names

from cnnbook.models import lenet5, small_alexnet, small_plainnet, small_resnet, small_vgg

FAMILIES = {
    "lenet5-faithful": (lambda: lenet5("faithful"), (1, 32, 32)),
    "lenet5-modern": (lambda: lenet5("modern"), (1, 32, 32)),
    "alexnet": (small_alexnet, (1, 28, 28)),
    "vgg": (small_vgg, (1, 28, 28)),
    "resnet-basic-A": (lambda: small_resnet(8), (1, 28, 28)),
    "resnet-bottleneck-B": (lambda: small_resnet(11, block="bottleneck", shortcut="B"), (1, 28, 28)),
    "plainnet": (lambda: small_plainnet(8), (1, 28, 28)),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_feature_extractor_traces_every_family_and_computes_the_same(family):
    build, shape = FAMILIES[family]
    torch.manual_seed(0)
    model = build().eval()
    _, nodes = get_graph_node_names(model)
    modules = dict(model.named_modules())
    layers = [name for name in nodes if name in modules]
    middle = layers[len(layers) // 2]
    extractor = create_feature_extractor(model, {middle: "middle", nodes[-1]: "output"})
    x = torch.rand(2, *shape)
    with torch.no_grad():
        features = extractor(x)
        assert torch.equal(features["output"], model(x))
        # the intermediate map is the one a forward hook on the same module sees
        recorded = {}
        handle = modules[middle].register_forward_hook(lambda m, i, o: recorded.setdefault("out", o))
        model(x)
        handle.remove()
        assert torch.equal(features["middle"], recorded["out"])
    # the input check survives tracing: a wrong number of channels still fails inside the traced graph
    with pytest.raises(Exception, match="expects"):
        extractor(torch.rand(2, shape[0] + 2, *shape[1:]))
