import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnnbook.train import History
from cnnbook.viz import plot_history, show_images, to_display


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
