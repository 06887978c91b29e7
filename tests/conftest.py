"""Shared settings for the unit tests (the notebooks are collected by nbval)."""
import os

import matplotlib

matplotlib.use("Agg")  # draw figures off screen
os.environ.setdefault("CNNBOOK_PROGRESS", "0")
