"""cnnbook.viz.diagrams: the sliding-window diagram draws every input cell and every tap."""
import matplotlib.pyplot as plt

from cnnbook.viz import show_sliding_windows


def teardown_function():
    plt.close("all")


def test_show_sliding_windows_draws_every_cell_and_every_tap():
    fig = show_sliding_windows(7, 3, stride=2, padding=1)
    ax = fig.axes[0]
    assert len(ax.patches) == (7 + 2) + 4 * 3
    assert "4 outputs" in ax.get_title()
    fig, ax = plt.subplots()
    assert show_sliding_windows(9, 3, dilation=2, ax=ax, title="dilated") is fig and ax.get_title() == "dilated"
