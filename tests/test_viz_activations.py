"""plot_activations and plot_layer_profile: what they draw and what they refuse."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from cnnbook.viz import plot_activations, plot_layer_profile


def teardown_function():
    plt.close("all")


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
