"""cnnbook.viz.grid and cnnbook.viz.images: the panel grid, image grids, patches, filters, boxes and masks."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.viz import (
    as_float_array,
    draw_boxes,
    overlay_masks,
    panel_grid,
    show_filters,
    show_image,
    show_images,
    show_patches,
    to_display,
)


def teardown_function():
    plt.close("all")


def test_panel_grid_gives_exactly_the_panels_asked_for():
    fig, axes = panel_grid(5, 3, width=1.0, height=2.0, extra_height=0.5)
    assert len(axes) == 5 and all(ax.get_visible() for ax in axes)
    assert sum(ax.get_visible() for ax in fig.axes) == 5 and len(fig.axes) == 6  # the sixth cell is hidden
    assert tuple(fig.get_size_inches()) == pytest.approx((3.0, 2 * 2.0 + 0.5))
    fig, axes = panel_grid(2, 8, width=1.0, height=1.0)
    assert len(fig.axes) == 2  # never more columns than panels
    with pytest.raises(ValueError, match="ncols must be a positive integer, got 0"):
        panel_grid(2, 0, width=1.0, height=1.0)
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


@pytest.mark.parametrize("shape,expected", [((1, 5, 6), (5, 6)), ((3, 5, 6), (5, 6, 3)), ((5, 6), (5, 6)),
                                            ((5, 6, 3), (5, 6, 3))])
def test_to_display_shapes(shape, expected):
    assert to_display(np.zeros(shape)).shape == expected


def test_to_display_rejects_other_shapes():
    with pytest.raises(ValueError, match="C x H x W"):
        to_display(np.zeros((2, 5, 6)))


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


def test_as_float_array_takes_tensors_of_any_dtype_and_lists():
    assert as_float_array(torch.ones(2, 3, dtype=torch.bfloat16)).dtype == np.float64
    np.testing.assert_array_equal(as_float_array([[1, 2], [3, 4]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert as_float_array(torch.arange(4, dtype=torch.uint8)).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_show_image_draws_one_image_on_the_unit_scale_without_ticks():
    fig, (left, right) = plt.subplots(1, 2)
    image = torch.rand(3, 5, 7)
    show_image(left, image, title="photo")
    np.testing.assert_allclose(left.images[0].get_array(), image.permute(1, 2, 0).numpy(), rtol=1e-6)
    assert left.get_title() == "photo" and not list(left.get_xticks()) and not list(left.get_yticks())
    show_image(right, torch.rand(5, 7))
    assert right.images[0].get_clim() == (0.0, 1.0) and right.images[0].get_cmap().name == "gray"
    with pytest.raises(ValueError, match="C x H x W"):
        show_image(left, torch.rand(2, 5, 7))


def test_draw_boxes_outlines_each_box_on_pixel_edges_with_its_caption():
    from matplotlib.patches import Rectangle

    fig, ax = plt.subplots()
    show_image(ax, torch.zeros(3, 20, 20))
    boxes = torch.tensor([[2.0, 3.0, 8.0, 6.0], [10.0, 10.0, 12.0, 15.0]])
    draw_boxes(ax, boxes, torch.tensor([1, 2]), torch.tensor([0.9, 0.25]), classes=["bg", "disc", "square"])
    first, second = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert first.get_xy() == (1.5, 2.5) and (first.get_width(), first.get_height()) == (6.0, 3.0)
    assert first.get_edgecolor() != second.get_edgecolor()  # coloured by class
    assert [t.get_text() for t in ax.texts] == ["disc 0.90", "square 0.25"]
    draw_boxes(ax, torch.zeros(0, 4))  # no boxes: nothing drawn, no error
    assert len(ax.patches) == 2
    with pytest.raises(ValueError, match="K x 4"):
        draw_boxes(ax, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="2 boxes but 1 labels"):
        draw_boxes(ax, boxes, torch.tensor([1]))


def test_overlay_masks_colours_each_class_and_leaves_the_background_clear():
    from matplotlib.colors import to_rgb

    from cnnbook.viz import CLASS_COLOURS

    fig, ax = plt.subplots()
    label_map = torch.zeros(4, 5, dtype=torch.long)
    label_map[1:3, 1:4] = 2
    overlay_masks(ax, label_map, alpha=0.4)
    rgba = ax.images[0].get_array()
    assert rgba.shape == (4, 5, 4) and (rgba[label_map == 0] == 0).all()
    np.testing.assert_allclose(rgba[1, 1], (*to_rgb(CLASS_COLOURS[2]), 0.4))
    with pytest.raises(ValueError, match="H x W"):
        overlay_masks(ax, torch.zeros(1, 4, 5))
