import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnnbook.viz import show_feature_maps


def teardown_function():
    plt.close("all")


def _images(fig):
    return [ax.images[0] for ax in fig.axes if ax.images]


def test_one_panel_per_map_with_a_shared_symmetric_scale_for_signed_maps():
    maps = torch.zeros(5, 6, 6)
    maps[0, 0, 0], maps[3, 1, 1] = -3.0, 2.0
    fig = show_feature_maps(maps, ncols=4)
    images = _images(fig)
    assert len(fig.axes) == 8 and len(images) == 5
    assert all(image.get_clim() == (-3.0, 3.0) for image in images)
    assert images[0].get_cmap().name == "RdBu_r"
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["0", "1", "2", "3", "4"]


def test_non_negative_maps_per_panel_scales_and_a_batch_of_one():
    maps = np.stack([np.full((4, 4), v) for v in (1.0, 2.0, 4.0)])
    maps[:, 0, 0] = 0.0
    fig = show_feature_maps(maps[None], shared_scale=False, show_titles=False)
    images = _images(fig)
    assert [image.get_clim() for image in images] == [(0.0, 1.0), (0.0, 2.0), (0.0, 4.0)]
    assert images[0].get_cmap().name == "gray"
    assert not any(ax.get_title() for ax in fig.axes)


def test_channels_limits_titles_and_given_axes():
    fig, axes = plt.subplots(2, 3)
    out = show_feature_maps(torch.rand(10, 5, 5), channels=4, limits=(-1.0, 1.0), titles=list("abcd"), axes=axes)
    assert out is fig
    images = _images(fig)
    assert len(images) == 4 and all(image.get_clim() == (-1.0, 1.0) for image in images)
    assert [ax.get_title() for ax in fig.axes if ax.images] == list("abcd")
    assert sum(ax.axison for ax in fig.axes) == 4  # the two spare axes are switched off


def test_colorbar_adds_an_axis():
    fig = show_feature_maps(torch.randn(3, 4, 4), colorbar=True)
    assert len(fig.axes) == 4


def test_errors():
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
