"""Plotting helpers shared by the chapters.

One module per kind of figure; every helper draws with matplotlib and returns
the ``Figure`` so that a notebook can adjust or save it. A chapter that needs
a figure another chapter also draws takes it from here instead of copying the
plotting code.
"""
from .activations import plot_activations
from .curves import plot_history
from .images import show_images, to_display
from .layer_profile import plot_layer_profile

__all__ = ["plot_activations", "plot_history", "plot_layer_profile", "show_images", "to_display"]
