"""cnnbook.scratch.optim against torch.optim: the same trajectories, step for step, and the same defaults."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from cnnbook.scratch import optim
from cnnbook.scratch.gradcheck import relative_error
from cnnbook.scratch.parameter import Parameter

STEPS = 30
SHAPES = [(3, 4), (5,), (2, 1, 3, 3)]


def gradient(p: np.ndarray, index: int) -> np.ndarray:
    """A non-trivial gradient field: that of sum(p**4 / 4 - index * p) + noise-like terms, fixed per parameter."""
    return p**3 - (index + 1) * p + 0.3 * np.sin(3 * p + index)


CASES = [
    ("SGD", {}),
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.1, weight_decay=0.01)),
    ("RMSprop", {}),
    ("RMSprop", dict(lr=0.003, alpha=0.9)),
    ("RMSprop", dict(lr=0.003, centered=True)),
    ("RMSprop", dict(lr=0.003, momentum=0.9)),
    ("RMSprop", dict(lr=0.003, momentum=0.9, centered=True, weight_decay=0.05, eps=1e-6)),
    ("Adam", {}),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99))),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01, eps=1e-6)),
    ("AdamW", {}),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in o.items())}" for n, o in CASES])
def test_trajectory_matches_torch(name: str, options: dict) -> None:
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(shape) for shape in SHAPES]
    ours = [Parameter(a.copy()) for a in start]
    theirs = [torch.tensor(a, requires_grad=True) for a in start]
    optimizer = getattr(optim, name)(ours, **options)
    reference = getattr(torch.optim, name)(theirs, **options)
    for step in range(STEPS):
        if step == STEPS // 2:  # a learning-rate schedule changes lr between steps
            optimizer.lr *= 0.5
            for group in reference.param_groups:
                group["lr"] *= 0.5
        for index, (p, t) in enumerate(zip(ours, theirs)):
            p.grad = gradient(p.data, index)
            t.grad = torch.from_numpy(gradient(t.detach().numpy(), index))
        optimizer.step()
        reference.step()
        for p, t in zip(ours, theirs):
            error = relative_error(p.data, t.detach().numpy())
            assert error < 1e-10, f"step {step}: relative error {error:.2e}"
    moved = max(np.abs(p.data - a).max() for p, a in zip(ours, start))
    assert moved > 1e-3  # the test exercised real steps


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW"])
def test_defaults_equal_torch(name: str) -> None:
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for key, parameter in ours.items():
        if key == "params":
            continue
        assert key in theirs, f"{name}.{key} is not an argument of torch.optim.{name}"
        assert parameter.default == theirs[key].default, f"{name}.{key}: {parameter.default} != {theirs[key].default}"


def test_float32_parameters_stay_float32_and_skip_missing_grads() -> None:
    p = Parameter(np.ones(3, dtype=np.float32))
    q = Parameter(np.ones(2, dtype=np.float32))
    for cls in (optim.SGD, optim.RMSprop, optim.Adam):
        optimizer = cls([p, q], lr=0.1) if cls is not optim.SGD else cls([p, q], lr=0.1, momentum=0.9)
        p.grad, q.grad = np.full(3, 0.5, dtype=np.float32), None
        optimizer.step()
        assert p.data.dtype == np.float32 and np.all(p.data < 1)
        np.testing.assert_array_equal(q.data, 1)  # no gradient: not updated
    optimizer.zero_grad()
    assert p.grad is None


def test_bad_arguments() -> None:
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=r"Nesterov momentum needs momentum > 0 and dampening = 0"):
        optim.SGD([p], nesterov=True)
    with pytest.raises(ValueError, match=r"lr must be a non-negative number, got -0.1"):
        optim.Adam([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"empty list of parameters"):
        optim.SGD([])
    with pytest.raises(ValueError, match=r"expected Parameter objects"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match=r"betas must be two numbers in \[0, 1\)"):
        optim.Adam([p], betas=(0.9, 1.0))
