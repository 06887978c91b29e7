"""Plotting helpers shared by the chapters.

One module per kind of figure; every helper draws with matplotlib and returns
the ``Figure`` so that a notebook can adjust or save it. A chapter that needs
a figure another chapter also draws takes it from here instead of copying the
plotting code.

- :mod:`~cnnbook.viz.images`: :func:`show_images`, a grid of images with labels and predictions.
- :mod:`~cnnbook.viz.curves`: :func:`plot_history`, learning curves, training against validation.
- :mod:`~cnnbook.viz.confusion`: :func:`plot_confusion_matrix`, counts of true against predicted
  classes, optionally with the diagonal left out so that the mistakes stand out.
- :mod:`~cnnbook.viz.filters`: :func:`show_filters`, the learned filters of a convolutional layer.
- :mod:`~cnnbook.viz.feature_maps`: :func:`show_feature_maps`, one image's feature maps at one or
  several depths.
- :mod:`~cnnbook.viz.patches`: :func:`show_patches`, rows of image patches (the maximally
  activating patches of :func:`cnnbook.analysis.top_patches`).
- :mod:`~cnnbook.viz.receptive_fields`: :func:`show_receptive_fields`, gradient maps with the
  analytic receptive field's box.
- :mod:`~cnnbook.viz.activations`: :func:`plot_activations`, activation functions and their derivatives.
- :mod:`~cnnbook.viz.layer_costs`: :func:`plot_layer_costs`, each weight layer's share of the
  parameters, multiply-adds and output values (:func:`cnnbook.analysis.layer_cost_shares` gives the numbers).
- :mod:`~cnnbook.viz.layer_profile`: :func:`plot_layer_profile`, one value per layer for several networks.
- :mod:`~cnnbook.viz.budget_curves`: :func:`plot_budget_curves`, a score against the amount of
  labelled data, one line per method, with the spread over repeats.
- :mod:`~cnnbook.viz.windows`: :func:`show_sliding_windows`, where each output of a sliding window
  reads its (padded) input, along one dimension; :func:`window_positions`, the same as numbers.
"""
from .activations import plot_activations
from .budget_curves import plot_budget_curves
from .confusion import plot_confusion_matrix
from .curves import plot_history
from .feature_maps import show_feature_maps
from .filters import show_filters
from .images import show_images, to_display
from ..analysis.costs import LAYER_COSTS, layer_cost_shares  # computations; re-exported for existing imports
from .layer_costs import plot_layer_costs
from .layer_profile import plot_layer_profile
from .patches import show_patches
from .receptive_fields import show_receptive_fields
from .windows import show_sliding_windows, window_positions

__all__ = [
    "LAYER_COSTS",
    "layer_cost_shares",
    "plot_activations",
    "plot_budget_curves",
    "plot_confusion_matrix",
    "plot_history",
    "plot_layer_costs",
    "plot_layer_profile",
    "show_feature_maps",
    "show_filters",
    "show_images",
    "show_patches",
    "show_receptive_fields",
    "show_sliding_windows",
    "to_display",
    "window_positions",
]
