import random

import numpy as np
import pytest
import torch

from cnnbook.utils import Timer, get_device, progress_enabled, seed_everything, setup_notebook, time_call


def draw_all():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_seed_everything_makes_every_generator_repeat():
    rng_a = seed_everything(123)
    first = draw_all() + (rng_a.random(),)
    rng_b = seed_everything(123)
    second = draw_all() + (rng_b.random(),)
    assert first == second
    seed_everything(124)
    assert draw_all() != first[:3]


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(bad)


def test_get_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("CNNBOOK_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device().type == "cpu"


def test_get_device_honours_preference_and_environment(monkeypatch):
    assert get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("CNNBOOK_DEVICE", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cpu"


def test_get_device_errors(monkeypatch):
    with pytest.raises(ValueError, match="cuda"):
        get_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="not available"):
        get_device("cuda")


def test_timers():
    with Timer() as timer:
        sum(range(1000))
    assert 0 <= timer.seconds < 1
    calls = []
    seconds = time_call(lambda: calls.append(1), repeat=3, warmup=2)
    assert len(calls) == 5 and seconds >= 0
    with pytest.raises(ValueError):
        time_call(lambda: None, repeat=0)


def test_progress_is_quiet_in_headless_runs(monkeypatch):
    for name in ("CNNBOOK_PROGRESS", "CI", "JPY_SESSION_NAME", "COLAB_RELEASE_TAG", "VSCODE_PID"):
        monkeypatch.delenv(name, raising=False)
    assert progress_enabled() is False  # pytest captures stderr: not a terminal
    monkeypatch.setenv("JPY_SESSION_NAME", "chapter.ipynb")
    assert progress_enabled() is True
    monkeypatch.setenv("CNNBOOK_PROGRESS", "0")
    assert progress_enabled() is False
    assert progress_enabled(True) is True


def test_setup_notebook_seeds_and_returns_a_device(capsys):
    device = setup_notebook(seed=5, device="cpu")
    first = torch.rand(1).item()
    setup_notebook(seed=5, device="cpu")
    assert torch.rand(1).item() == first
    assert device == torch.device("cpu")
    assert "seed: 5" in capsys.readouterr().out
