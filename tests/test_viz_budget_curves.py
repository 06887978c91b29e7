import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnbook.viz import plot_budget_curves


def teardown_function():
    plt.close("all")


def test_one_mean_line_per_method_with_band_and_points():
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
def test_bad_results(results, message):
    with pytest.raises(ValueError, match=message):
        plot_budget_curves(results)


def test_linear_axis_accepts_zero_budget():
    fig = plot_budget_curves({"a": {0: [0.1], 10: [0.9]}}, log_x=False)
    assert fig.axes[0].get_xscale() == "linear"
