"""cnnbook.viz.curves: learning curves, budget curves, layer profiles and activation functions."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnnbook.train import History
from cnnbook.viz import plot_activations, plot_budget_curves, plot_history, plot_layer_profile


def teardown_function():
    plt.close("all")


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


def test_plot_budget_curves_one_mean_line_per_method_with_band_and_points():
    results = {"scratch": {1: [0.5, 0.6], 5: [0.8, 0.9, 0.85]}, "transfer": {1: [0.7], 5: [0.9], 20: [0.95]}}
    fig = plot_budget_curves(results, reference=("no labels", 0.4), title="t")
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label() in results]
    assert [line.get_label() for line in lines] == ["scratch", "transfer"]
    np.testing.assert_allclose(lines[0].get_ydata(), [0.55, 0.85])
    np.testing.assert_allclose(lines[1].get_xdata(), [1, 5, 20])
    assert ax.get_xscale() == "log" and list(ax.get_xticks()) == [1, 5, 20]
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    assert len(ax.collections) == 2 + 5  # two bands, one scatter per (method, budget)
    assert ax.get_title() == "t"


@pytest.mark.parametrize("results, message", [
    ({}, "at least one method"),
    ({"a": {}}, "no budgets"),
    ({"a": {1: []}}, "no scores"),
    ({"a": {0: [0.5]}}, "positive budgets"),
])
def test_plot_budget_curves_bad_results(results, message):
    with pytest.raises(ValueError, match=message):
        plot_budget_curves(results)


def test_plot_budget_curves_linear_axis_accepts_zero_budget():
    fig = plot_budget_curves({"a": {0: [0.1], 10: [0.9]}}, log_x=False)
    assert fig.axes[0].get_xscale() == "linear"


def _curves(ax):
    """The data lines of a panel (the axes' zero lines have two points each)."""
    return [line for line in ax.lines if len(line.get_xdata()) > 2]


def test_plot_activations_draws_each_function_and_its_autograd_derivative():
    fig = plot_activations({"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.Softplus()},
                           z_range=(-3, 3), points=61, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["sigmoid", "tanh", "softplus"]
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()
    function, derivative = _curves(visible[0])
    z = np.linspace(-3, 3, 61)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(function.get_ydata(), s, atol=1e-6)
    np.testing.assert_allclose(derivative.get_ydata(), s * (1 - s), atol=1e-6)
    np.testing.assert_allclose(_curves(visible[1])[1].get_ydata(), 1 - np.tanh(z) ** 2, atol=1e-6)


def test_plot_activations_without_derivative():
    fig = plot_activations({"relu": torch.relu}, derivative=False)
    assert len(_curves(fig.axes[0])) == 1


@pytest.mark.parametrize("kwargs,message", [({"z_range": (1, -1)}, "low < high"), ({"points": 1}, "points"),
                                            ({"ncols": 0}, "ncols")])
def test_plot_activations_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_activations({"relu": torch.relu}, **kwargs)


def test_plot_activations_rejects_no_function_and_non_elementwise_ones():
    with pytest.raises(ValueError, match="at least one"):
        plot_activations({})
    with pytest.raises(ValueError, match="keep the shape"):
        plot_activations({"sum": lambda z: z.sum()})


def test_plot_layer_profile_draws_one_line_per_network():
    fig = plot_layer_profile({"a": [1.0, 0.1, 0.01], "b": [1.0, 1.0]}, ylabel="gradient norm", log=True,
                             title="t")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log" and ax.get_ylabel() == "gradient norm"
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3] and list(ax.lines[1].get_ydata()) == [1.0, 1.0]
    fig2, existing = plt.subplots()
    assert plot_layer_profile({"a": [0.0, 0.5]}, ylabel="fraction", ax=existing) is fig2


def test_plot_layer_profile_rejects_bad_profiles():
    with pytest.raises(ValueError, match="at least one"):
        plot_layer_profile({}, ylabel="y")
    with pytest.raises(ValueError, match="empty"):
        plot_layer_profile({"a": []}, ylabel="y")
    with pytest.raises(ValueError, match="positive"):
        plot_layer_profile({"a": [1.0, 0.0]}, ylabel="y", log=True)
