"""Plotting helpers shared by the chapters.

One module per kind of figure; every helper draws with matplotlib and returns
the ``Figure`` so that a notebook can adjust or save it. A chapter that needs
a figure another chapter also draws takes it from here instead of copying the
plotting code.

- :mod:`~cnnbook.viz.images`: :func:`show_images`, a grid of images with labels and predictions.
- :mod:`~cnnbook.viz.curves`: :func:`plot_history`, learning curves.
- :mod:`~cnnbook.viz.feature_maps`: :func:`show_feature_maps`, the channels of one image's activations.
- :mod:`~cnnbook.viz.windows`: :func:`show_sliding_windows`, where each output of a sliding window
  reads its (padded) input, along one dimension; :func:`window_positions`, the same as numbers.
"""
from .curves import plot_history
from .feature_maps import show_feature_maps
from .images import show_images, to_display
from .windows import show_sliding_windows, window_positions

__all__ = ["plot_history", "show_feature_maps", "show_images", "show_sliding_windows", "to_display",
           "window_positions"]
