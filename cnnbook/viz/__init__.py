"""Plotting helpers shared by the chapters.

One module per kind of figure; every helper draws with matplotlib and returns
the ``Figure`` (or draws on the axis it is given) so that a notebook can
adjust or save it. A chapter that needs a figure another chapter also draws
takes it from here instead of copying the plotting code.

- :mod:`~cnnbook.viz.grid`: :func:`panel_grid`, the grid of panels every
  multi-panel figure is laid out on; :func:`as_float_array`.
- :mod:`~cnnbook.viz.images`: pictures. :func:`show_images` (a grid of images with labels and
  predictions), :func:`show_patches` (rows of image patches, such as those of
  :func:`cnnbook.analysis.top_patches`), :func:`show_filters` (a convolutional layer's filters),
  :func:`show_image`, :func:`draw_boxes` and :func:`overlay_masks` (one image with boxes and
  masks over it), :func:`to_display`.
- :mod:`~cnnbook.viz.maps`: values over an image's grid on a chosen colour scale.
  :func:`show_feature_maps` (one image's feature maps at one or several depths),
  :func:`show_receptive_fields` (gradient maps with the analytic receptive field's box).
- :mod:`~cnnbook.viz.curves`: :func:`plot_history` (learning curves, training against validation),
  :func:`plot_budget_curves` (a score against the amount of labelled data, one line per method),
  :func:`plot_layer_profile` (one value per layer for several networks),
  :func:`plot_activations` (activation functions and their derivatives).
- :mod:`~cnnbook.viz.tables`: :func:`plot_confusion_matrix` (counts of true against predicted
  classes), :func:`plot_layer_costs` (each weight layer's share of the parameters, multiply-adds
  and output values).
- :mod:`~cnnbook.viz.diagrams`: :func:`show_sliding_windows`, where each output of a sliding
  window reads its (padded) input, along one dimension.

``LAYER_COSTS``, ``layer_cost_shares`` (:mod:`cnnbook.analysis.costs`) and
``window_positions`` (:mod:`cnnbook.sliding_windows`) are computations; they
are re-exported here for the notebooks that import them with the figures that draw them.
"""
from ..analysis.costs import LAYER_COSTS, layer_cost_shares
from ..sliding_windows import window_positions
from .curves import plot_activations, plot_budget_curves, plot_history, plot_layer_profile
from .diagrams import show_sliding_windows
from .grid import as_float_array, panel_grid
from .images import CLASS_COLOURS, draw_boxes, overlay_masks, show_filters, show_image, show_images, show_patches, to_display
from .maps import show_feature_maps, show_receptive_fields
from .tables import plot_confusion_matrix, plot_layer_costs

__all__ = [
    "CLASS_COLOURS",
    "LAYER_COSTS",
    "as_float_array",
    "draw_boxes",
    "layer_cost_shares",
    "overlay_masks",
    "panel_grid",
    "plot_activations",
    "plot_budget_curves",
    "plot_confusion_matrix",
    "plot_history",
    "plot_layer_costs",
    "plot_layer_profile",
    "show_feature_maps",
    "show_filters",
    "show_image",
    "show_images",
    "show_patches",
    "show_receptive_fields",
    "show_sliding_windows",
    "to_display",
    "window_positions",
]
