import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.train import History
from cnnbook.viz import (
    plot_history,
    show_feature_maps,
    show_filters,
    show_images,
    show_patches,
    show_receptive_fields,
    to_display,
)


def teardown_function():
    plt.close("all")


def test_show_images_titles_and_colours():
    images = torch.rand(5, 1, 8, 8)
    fig = show_images(images, [1, 2, 3, 4, 5], [1, 2, 0, 4, 0], ncols=3)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(fig.axes) == 6 and len(titled) == 5
    colours = [ax.title.get_color() for ax in titled]
    assert colours.count("tab:red") == 2 and colours.count("tab:green") == 3
    assert titled[2].get_title() == "0 (3)"


def test_show_images_uses_class_names_and_colour_images():
    fig = show_images(torch.rand(2, 3, 8, 8), [0, 1], classes=["cat", "dog"])
    assert [ax.get_title() for ax in fig.axes] == ["cat", "dog"]


def test_show_images_errors():
    with pytest.raises(ValueError, match="labels"):
        show_images(torch.rand(3, 1, 4, 4), [1, 2])
    with pytest.raises(ValueError, match="predictions"):
        show_images(torch.rand(2, 1, 4, 4), predictions=[1, 2])
    with pytest.raises(ValueError, match="at least one"):
        show_images([])


@pytest.mark.parametrize("shape,expected", [((1, 5, 6), (5, 6)), ((3, 5, 6), (5, 6, 3)), ((5, 6), (5, 6)),
                                            ((5, 6, 3), (5, 6, 3))])
def test_to_display_shapes(shape, expected):
    assert to_display(np.zeros(shape)).shape == expected


def test_to_display_rejects_other_shapes():
    with pytest.raises(ValueError, match="C x H x W"):
        to_display(np.zeros((2, 5, 6)))


def test_plot_history_draws_train_and_validation():
    history = History(epoch=[1, 2], train_loss=[1.0, 0.5], val_loss=[1.1, 0.7],
                      train_accuracy=[0.5, 0.8], val_accuracy=[0.4, 0.7], lr=[0.1, 0.1], seconds=[1, 1])
    fig = plot_history(history)
    assert len(fig.axes) == 2
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    fig2 = plot_history(history, metrics=("loss",), axes=[fig.axes[0]], label="again")
    assert fig2 is fig and len(fig.axes[0].lines) == 4
    with pytest.raises(ValueError, match="train_error"):
        plot_history(history, metrics=("error",))


# ----------------------------------------------------------------------------- filters, feature maps, patches, fields


def _drawn(fig):
    """The axes that show an image, in order."""
    return [ax for ax in fig.axes if ax.images]


def test_show_filters_one_channel_on_a_shared_symmetric_scale():
    weight = torch.zeros(5, 1, 3, 3)
    weight[0, 0, 1, 1], weight[3, 0, 0, 0] = 2.0, -0.5
    fig = show_filters(weight, ncols=3)
    drawn = _drawn(fig)
    assert len(fig.axes) == 6 and len(drawn) == 5
    assert all(ax.images[0].get_clim() == (-2.0, 2.0) for ax in drawn)
    assert [ax.get_title() for ax in drawn] == ["0", "1", "2", "3", "4"]
    assert np.array_equal(drawn[3].images[0].get_array(), weight[3, 0].numpy())


def test_show_filters_colour_and_chosen_channels_and_modules():
    conv = nn.Conv2d(3, 4, 5)
    fig = show_filters(conv)
    rgb = _drawn(fig)[0].images[0].get_array()
    assert rgb.shape == (5, 5, 3) and rgb.min() == 0.0 and rgb.max() == 1.0
    fig = show_filters(nn.Conv2d(6, 2, 3).weight, input_channel=4, titles=["a", "b"])
    assert [ax.get_title() for ax in _drawn(fig)] == ["a", "b"] and _drawn(fig)[0].images[0].get_array().shape == (3, 3)
    with pytest.raises(ValueError, match="6 input channels; pass input_channel"):
        show_filters(nn.Conv2d(6, 2, 3))
    with pytest.raises(ValueError, match=r"input_channel must be an integer in \[0, 5\], got 6"):
        show_filters(nn.Conv2d(6, 2, 3), input_channel=6)
    with pytest.raises(ValueError, match="C_out x C_in x k_h x k_w"):
        show_filters(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="2 titles for 4 filters"):
        show_filters(conv, titles=["a", "b"])


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


def test_show_patches_rows_of_top_patches():
    from types import SimpleNamespace

    rows = [SimpleNamespace(layer="features.relu3", channel=c, patches=torch.rand(4, 1, 6, 6),
                            activations=torch.tensor([4.0, 3.0, 2.5, 1.0])) for c in (0, 5)]
    fig = show_patches(rows)
    drawn = _drawn(fig)
    assert len(drawn) == 8 and drawn[1].get_title() == "3.00"
    assert fig.axes[4].get_ylabel() == "features.relu3\nchannel 5"
    low, high = drawn[0].images[0].get_clim()
    assert low == min(float(r.patches.min()) for r in rows) and high == max(float(r.patches.max()) for r in rows)
    fig = show_patches([torch.rand(3, 1, 4, 4), torch.rand(2, 3, 8, 8)], row_labels=["a", "b"], vmin=0, vmax=1)
    assert len(_drawn(fig)) == 5 and _drawn(fig)[3].images[0].get_array().shape == (8, 8, 3)
    assert fig.axes[0].get_ylabel() == "a" and not _drawn(fig)[0].get_title()
    with pytest.raises(ValueError, match="k x C x h x w"):
        show_patches([torch.rand(3, 2, 4, 4)])
    with pytest.raises(ValueError, match="1 row labels for 2 rows"):
        show_patches([torch.rand(3, 1, 4, 4)] * 2, row_labels=["a"])
    with pytest.raises(ValueError, match="row 0 has 3 patches but 2 values"):
        show_patches(torch.rand(3, 1, 4, 4), values=[[1, 2]])
    with pytest.raises(ValueError, match="at least one row"):
        show_patches([])


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


def test_show_images_makes_room_for_a_title():
    images = torch.rand(20, 1, 8, 8)
    plain = show_images(images, list(range(20)), ncols=10, size=1.0)
    titled = show_images(images, list(range(20)), ncols=10, size=1.0, title="a title")
    assert titled.get_size_inches()[1] > plain.get_size_inches()[1]
    titled.canvas.draw()
    renderer = titled.canvas.get_renderer()
    first_row_bottom = min(ax.get_window_extent(renderer).y0 for ax in titled.axes[:10])
    second_row_titles_top = max(ax.title.get_window_extent(renderer).y1 for ax in titled.axes[10:])
    assert second_row_titles_top <= first_row_bottom + 1, "a second-row title overlaps the first row"
def test_plot_confusion_matrix_writes_every_count_and_can_hide_the_diagonal():
    from cnnbook.viz import plot_confusion_matrix

    matrix = np.array([[50, 2, 0], [1, 45, 4], [0, 0, 48]])
    fig = plot_confusion_matrix(matrix, ["a", "b", "c"], hide_diagonal=True, title="t")
    ax = fig.axes[0]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["50", "2", "1", "45", "4", "48"])  # zeros are left blank
    image = ax.images[0]
    assert np.ma.is_masked(image.get_array()[0, 0]) and image.get_clim() == (0, 4)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    full = plot_confusion_matrix(torch.tensor(matrix)).axes[0].images[0]
    assert full.get_clim() == (0, 50)


def test_plot_confusion_matrix_errors():
    from cnnbook.viz import plot_confusion_matrix

    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        plot_confusion_matrix(np.array([[1, -1], [0, 1]]))
    with pytest.raises(ValueError, match="class names"):
        plot_confusion_matrix(np.eye(2), ["a"])


def test_panel_grid_gives_exactly_the_panels_asked_for():
    from cnnbook.viz.grid import panel_grid

    fig, axes = panel_grid(5, 3, width=1.0, height=2.0, extra_height=0.5)
    assert len(axes) == 5 and all(ax.get_visible() for ax in axes)
    assert sum(ax.get_visible() for ax in fig.axes) == 5 and len(fig.axes) == 6  # the sixth cell is hidden
    assert tuple(fig.get_size_inches()) == pytest.approx((3.0, 2 * 2.0 + 0.5))
    fig, axes = panel_grid(2, 8, width=1.0, height=1.0)
    assert len(fig.axes) == 2  # never more columns than panels
    with pytest.raises(ValueError, match="ncols must be a positive integer, got 0"):
        panel_grid(2, 0, width=1.0, height=1.0)
    plt.close("all")
