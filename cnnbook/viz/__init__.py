"""Plotting helpers shared by the chapters.

One module per kind of figure; every helper draws with matplotlib and returns
the ``Figure`` so that a notebook can adjust or save it. A chapter that needs
a figure another chapter also draws takes it from here instead of copying the
plotting code.
"""
from .curves import plot_history
from .images import show_images, to_display

__all__ = ["plot_history", "show_images", "to_display"]
