"""Shared settings and fixtures for the unit tests (the notebooks are collected by nbval)."""
import os

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # draw figures off screen
os.environ.setdefault("CNNBOOK_PROGRESS", "0")


@pytest.fixture
def single_thread():
    """Run a test on one intra-op thread, then restore the setting.

    For tests that make thousands of calls on tensors of a few hundred numbers,
    waking a second thread costs far more than the work itself (on a busy
    2-core machine, milliseconds per call instead of microseconds).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
