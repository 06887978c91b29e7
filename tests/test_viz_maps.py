"""cnnbook.viz.maps: feature maps and receptive-field maps, their colour scales and what they refuse."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnnbook.viz import show_feature_maps, show_receptive_fields


def teardown_function():
    plt.close("all")


def _images(fig):
    return [ax.images[0] for ax in fig.axes if ax.images]


def test_show_feature_maps_one_panel_per_map_with_a_shared_symmetric_scale_for_signed_maps():
    maps = torch.zeros(5, 6, 6)
    maps[0, 0, 0], maps[3, 1, 1] = -3.0, 2.0
    fig = show_feature_maps(maps, ncols=4)
    images = _images(fig)
    assert len(fig.axes) == 8 and len(images) == 5
    assert all(image.get_clim() == (-3.0, 3.0) for image in images)
    assert images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["0", "1", "2", "3", "4"]


def test_show_feature_maps_non_negative_maps_per_panel_scales_and_a_batch_of_one():
    maps = np.stack([np.full((4, 4), v) for v in (1.0, 2.0, 4.0)])
    maps[:, 0, 0] = 0.0
    fig = show_feature_maps(maps[None], shared_scale=False, show_titles=False)
    images = _images(fig)
    assert [image.get_clim() for image in images] == [(0.0, 1.0), (0.0, 2.0), (0.0, 4.0)]
    assert images[0].get_cmap().name == "gray"
    assert not any(ax.get_title() for ax in fig.axes)


def test_show_feature_maps_channels_limits_titles_and_given_axes():
    fig, axes = plt.subplots(2, 3)
    out = show_feature_maps(torch.rand(10, 5, 5), channels=4, limits=(-1.0, 1.0), titles=list("abcd"), axes=axes)
    assert out is fig
    images = _images(fig)
    assert len(images) == 4 and all(image.get_clim() == (-1.0, 1.0) for image in images)
    assert [ax.get_title() for ax in fig.axes if ax.images] == list("abcd")
    assert sum(ax.axison for ax in fig.axes) == 4  # the two spare axes are switched off


def test_show_feature_maps_colorbar_adds_an_axis():
    fig = show_feature_maps(torch.randn(3, 4, 4), colorbar=True)
    assert len(fig.axes) == 4


def test_show_feature_maps_errors():
    with pytest.raises(ValueError, match="C x H x W"):
        show_feature_maps(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match="C x H x W"):
        show_feature_maps(torch.rand(4, 4))
    with pytest.raises(ValueError, match="titles"):
        show_feature_maps(torch.rand(3, 4, 4), titles=["a"])
    with pytest.raises(ValueError, match="limits"):
        show_feature_maps(torch.rand(3, 4, 4), limits=(1.0, 0.0))
    with pytest.raises(ValueError, match="axes"):
        show_feature_maps(torch.rand(3, 4, 4), axes=plt.subplots(1, 2)[1])
    with pytest.raises(ValueError, match="colour bar"):
        show_feature_maps(torch.rand(3, 4, 4), colorbar=True, shared_scale=False)
    with pytest.raises(ValueError, match="channels"):
        show_feature_maps(torch.rand(3, 4, 4), channels=0)
    with pytest.raises(ValueError, match="mapping"):
        show_feature_maps({"conv1": torch.rand(3, 4, 4)}, colorbar=True)


def _drawn(fig):
    """The axes that show an image, in order."""
    return [ax for ax in fig.axes if ax.images]


def test_show_feature_maps_one_layer_and_several_depths():
    maps = torch.rand(1, 6, 10, 10)
    fig = show_feature_maps(maps, channels=4)
    assert len(_drawn(fig)) == 4 and _drawn(fig)[2].get_title() == "2"
    layers = {"conv1": torch.rand(8, 28, 28), "conv2": torch.rand(16, 14, 14), "conv3": torch.rand(3, 7, 7)}
    fig = show_feature_maps(layers, channels=4)
    drawn = _drawn(fig)
    assert len(fig.axes) == 12 and len(drawn) == 4 + 4 + 3  # the last layer has only 3 channels
    assert [drawn[i].images[0].get_array().shape for i in (0, 4, 8)] == [(28, 28), (14, 14), (7, 7)]
    assert fig.axes[4].get_ylabel() == "conv2\n16 x 14 x 14"
    fig = show_feature_maps(layers, channels=[2, 0], shared_scale=True)
    drawn = _drawn(fig)
    assert len(drawn) == 6
    np.testing.assert_array_equal(drawn[3].images[0].get_array(), layers["conv2"][0].numpy())
    low, high = drawn[2].images[0].get_clim()
    assert (low, high) == (0.0, float(layers["conv2"][[2, 0]].max()))  # non-negative maps: from 0 to the row's maximum
    with pytest.raises(ValueError, match="channel 5 does not exist in conv3, which has 3 channels"):
        show_feature_maps(layers, channels=[5])
    with pytest.raises(ValueError, match="one image, C x H x W"):
        show_feature_maps(torch.rand(2, 3, 5, 5))
    with pytest.raises(ValueError, match="at least one layer"):
        show_feature_maps({})


def test_show_receptive_fields_boxes_on_pixel_borders():
    from matplotlib.patches import Rectangle

    gradient = torch.zeros(10, 10)
    gradient[2:5, 3:7] = torch.rand(3, 4) + 0.1
    fig = show_receptive_fields([gradient, gradient], [(2, 3, 5, 7), None], titles=["a", "b"], log=True)
    first, second = fig.axes
    (box,) = [p for p in first.patches if isinstance(p, Rectangle)]
    assert box.get_xy() == (2.5, 1.5) and (box.get_width(), box.get_height()) == (4.0, 3.0)
    assert not second.patches and second.get_title() == "b"
    shown = first.images[0].get_array()
    assert np.isnan(np.ma.getdata(shown)[0, 0]) and np.isclose(shown[2, 3], np.log10(float(gradient[2, 3])))
    with pytest.raises(ValueError, match="1 boxes for 2 maps"):
        show_receptive_fields([gradient, gradient], [(0, 0, 1, 1)])
    with pytest.raises(ValueError, match="must be H x W"):
        show_receptive_fields([torch.zeros(1, 4, 4)])
    with pytest.raises(ValueError, match=r"must be \(top, left, bottom, right\)"):
        show_receptive_fields([gradient], [(0, 0, 1)])
    with pytest.raises(ValueError, match="at least one map"):
        show_receptive_fields([])


def test_show_receptive_fields_draws_a_constant_map_in_the_top_colour():
    fig = show_receptive_fields([torch.ones(5, 5)], log=True)
    low, high = fig.axes[0].images[0].get_clim()
    assert (low, high) == (-1.0, 0.0)  # log10(1) = 0 sits at the top of the scale
    assert all(spine.get_visible() for spine in fig.axes[0].spines.values())  # the frame marks the extent
