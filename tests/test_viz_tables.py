"""cnnbook.viz.tables: the confusion matrix and each layer's share of a network's costs."""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from cnnbook.analysis import layer_cost_shares, summary
from cnnbook.viz import plot_confusion_matrix, plot_layer_costs


def teardown_function():
    plt.close("all")


def test_plot_confusion_matrix_writes_every_count_and_can_hide_the_diagonal():
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
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        plot_confusion_matrix(np.array([[1, -1], [0, 1]]))
    with pytest.raises(ValueError, match="class names"):
        plot_confusion_matrix(np.eye(2), ["a"])


def small_network() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Flatten(), nn.Linear(8 * 4 * 4, 10))


def test_layer_cost_shares_are_each_layers_value_over_the_weight_layers_total():
    trace = summary(small_network(), (1, 1, 8, 8))
    shares = layer_cost_shares(trace, ("params", "macs", "activations"))
    params = [4 * 10, 8 * 37, 16, 10 * 129]
    macs = [4 * 64 * 9, 8 * 16 * 36, 8 * 16, 10 * 128]
    outputs = [4 * 64, 8 * 16, 8 * 16, 10]
    for quantity, values in (("params", params), ("macs", macs), ("activations", outputs)):
        assert shares[quantity] == pytest.approx([v / sum(values) for v in values])
        assert math.fsum(shares[quantity]) == pytest.approx(1.0)


def test_plot_layer_costs_draws_one_bar_per_layer_and_quantity_with_the_shares_as_heights():
    trace = summary(small_network(), (1, 1, 8, 8))
    fig = plot_layer_costs(trace, ("params", "activations"), labels=["c1", "c2", "bn", "fc"], title="costs")
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    shares = layer_cost_shares(trace, ("params", "activations"))
    assert heights == pytest.approx(shares["params"] + shares["activations"])
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["c1", "c2", "bn", "fc"]
    assert ax.get_title() == "costs"


def test_layer_costs_default_labels_are_the_layer_names():
    fig = plot_layer_costs(summary(small_network(), (1, 1, 8, 8)))
    assert [tick.get_text() for tick in fig.axes[0].get_xticklabels()] == ["0", "3", "4", "7"]


def test_layer_costs_bad_input_is_refused_with_a_message():
    trace = summary(small_network(), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="unknown quantity 'flops'"):
        layer_cost_shares(trace, ("flops",))
    with pytest.raises(ValueError, match="at least one"):
        layer_cost_shares(trace, ())
    with pytest.raises(ValueError, match="got 2 labels for 4 weight layers"):
        plot_layer_costs(trace, labels=["a", "b"])
    with pytest.raises(ValueError, match="no layer with parameters"):
        layer_cost_shares(summary(nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)), (1, 1, 4, 4)))


def test_layer_costs_works_on_a_full_size_network_on_the_meta_device():
    from cnnbook.models import alexnet

    with torch.device("meta"):
        model = alexnet()
    shares = layer_cost_shares(summary(model, (1, 3, 224, 224)), ("params", "macs"))
    assert len(shares["params"]) == 8 and sum(shares["params"][5:]) > 0.9 and sum(shares["macs"][:5]) > 0.9
