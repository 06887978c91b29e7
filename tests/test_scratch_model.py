"""cnnbook.scratch layers, Sequential and fit: PyTorch's initialisation, its gradients through a whole
network, weight copies both ways, train/eval modes, and a short training run that learns."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from cnnbook import scratch
from cnnbook.scratch import layers as L
from cnnbook.scratch.gradcheck import relative_error


def torch_network() -> nn.Sequential:
    """A small CNN with one of every layer kind the engine has."""
    return nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1),
        nn.BatchNorm2d(6, momentum=0.2),
        nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False),  # depthwise
        nn.LeakyReLU(0.1),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 8, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
        nn.Tanh(),
        nn.AvgPool2d(2, padding=1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(8 * 2 * 2, 12),
        nn.GELU(),
        nn.Linear(12, 7),
        nn.SiLU(),
        nn.Linear(7, 5),
        nn.Sigmoid(),
    ).double()


def test_sequential_matches_torch_forward_and_every_gradient() -> None:
    torch.manual_seed(0)
    reference = torch_network().eval()  # eval: dropout off, so that the outputs are comparable
    reference[1].train()  # but batch norm with batch statistics, the harder backward
    model = scratch.from_torch(reference)
    assert model[1].training and not model[10].training
    x = np.random.default_rng(0).standard_normal((3, 2, 9, 10))
    xt = torch.from_numpy(x.copy()).requires_grad_()
    out, out_t = model.forward(x), reference(xt)
    assert relative_error(out, out_t.detach().numpy()) < 1e-6
    dout = np.random.default_rng(1).standard_normal(out.shape)
    out_t.backward(torch.from_numpy(dout))
    dx = model.backward(dout)
    assert relative_error(dx, xt.grad.numpy()) < 1e-6
    theirs = dict(reference.named_parameters())
    names = [name for name, _ in model.named_parameters()]
    assert names == list(theirs)  # same names, same order
    for name, p in model.named_parameters():
        assert relative_error(p.grad, theirs[name].grad.numpy()) < 1e-6, name
    # the running statistics were updated in place like PyTorch's
    assert relative_error(model[1].running_mean, reference[1].running_mean.numpy()) < 1e-6
    assert relative_error(model[1].running_var, reference[1].running_var.numpy()) < 1e-6


def test_copy_to_torch_and_back() -> None:
    model = scratch.Sequential(L.Conv2d(1, 4, 3, rng=0), L.BatchNorm2d(4), L.ReLU(), L.Flatten(), L.Linear(4 * 4 * 4, 3, rng=1))
    model[1].running_mean[:] = [1, 2, 3, 4]
    reference = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    model.copy_to_torch(reference)
    np.testing.assert_array_equal(reference[0].weight.detach().numpy(), model[0].weight.data)
    np.testing.assert_array_equal(reference[1].running_mean.numpy(), [1, 2, 3, 4])
    copy = scratch.Sequential(L.Conv2d(1, 4, 3, rng=5), L.BatchNorm2d(4), L.ReLU(), L.Flatten(), L.Linear(64, 3, rng=6))
    copy.copy_from_torch(reference)
    for (name, a), (_, b) in zip(model.named_parameters(), copy.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    x = np.random.default_rng(2).random((2, 1, 6, 6), dtype=np.float32)
    np.testing.assert_allclose(model.eval()(x), reference.eval()(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_copy_rejects_mismatches() -> None:
    with pytest.raises(ValueError, match=r"expected a torch.nn.Conv2d, got Linear"):
        L.Conv2d(1, 2, 3).copy_from_torch(nn.Linear(2, 3))
    with pytest.raises(ValueError, match=r"weight: the torch module has shape \(2, 1, 5, 5\), this layer \(2, 1, 3, 3\)"):
        L.Conv2d(1, 2, 3).copy_from_torch(nn.Conv2d(1, 2, 5))
    with pytest.raises(ValueError, match=r"one of the two layers has a bias"):
        L.Linear(2, 3, bias=False).copy_from_torch(nn.Linear(2, 3))
    with pytest.raises(ValueError, match=r"expected a torch Sequential of 2 layers, got 1"):
        scratch.Sequential(L.ReLU(), L.ReLU()).copy_from_torch(nn.Sequential(nn.ReLU()))
    with pytest.raises(ValueError, match=r"no equivalent of torch.nn.Conv1d"):
        scratch.from_torch(nn.Conv1d(1, 2, 3))


@pytest.mark.parametrize(
    "ours, theirs, fan_in",
    [
        (lambda: L.Conv2d(16, 32, 3, rng=0), lambda: nn.Conv2d(16, 32, 3), 16 * 9),
        (lambda: L.Conv2d(8, 8, (5, 3), groups=4, rng=0), lambda: nn.Conv2d(8, 8, (5, 3), groups=4), 2 * 15),
        (lambda: L.Linear(300, 100, rng=0), lambda: nn.Linear(300, 100), 300),
    ],
)
def test_initialisation_follows_torch(ours, theirs, fan_in) -> None:
    """Weights and biases uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)], like PyTorch's defaults."""
    torch.manual_seed(0)
    layer, reference = ours(), theirs()
    bound = 1 / math.sqrt(fan_in)
    for name in ("weight", "bias"):
        a, b = getattr(layer, name).data, getattr(reference, name).detach().numpy()
        assert a.shape == b.shape and a.dtype == np.float32
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        if a.size >= 1000:  # the spread of a uniform law: std = bound / sqrt(3)
            assert abs(a.std() - bound / math.sqrt(3)) < 0.05 * bound
            assert abs(a.std() - b.std()) < 0.05 * bound


def test_batchnorm_and_dropout_follow_the_mode() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 3, 4, 4)) * 2 + 5
    bn = L.BatchNorm2d(3, dtype=np.float64)
    out = bn(x)
    assert np.abs(out.mean(axis=(0, 2, 3))).max() < 1e-12  # batch statistics
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=(0, 2, 3)))
    bn.eval()
    out = bn(x)  # running statistics: far from normalised after one step
    assert out.mean() > 1
    drop = L.Dropout(0.5, rng=0)
    assert (drop(x) == 0).mean() > 0.3
    drop.eval()
    assert drop(x) is x
    model = scratch.Sequential(L.Dropout(0.5, rng=1), L.BatchNorm2d(3, dtype=np.float64))
    model.eval()
    assert not any(layer.training for layer in model) and not model.training
    model.predict(x)  # predict restores the mode it found
    assert not model.training
    model.train()
    model.predict(x)
    assert all(layer.training for layer in model)


def test_layers_keep_float32_and_flatten_round_trips() -> None:
    model = scratch.Sequential(L.Conv2d(1, 3, 3, padding=1, rng=0), L.ReLU(), L.AvgPool2d(2), L.Flatten(), L.Linear(3 * 4 * 4, 2, rng=0))
    x = np.random.default_rng(4).random((5, 1, 8, 8), dtype=np.float32)
    out = model(x)
    assert out.dtype == np.float32 and out.shape == (5, 2)
    dx = model.backward(np.ones_like(out))
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert all(p.grad.dtype == np.float32 and p.grad.shape == p.shape for p in model.parameters())


def test_backward_before_forward_and_bad_layers() -> None:
    with pytest.raises(RuntimeError, match=r"Conv2d.backward was called before forward"):
        L.Conv2d(1, 1, 1).backward(np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"layer 1 must be a cnnbook.scratch.layers.Layer, got Linear"):
        scratch.Sequential(L.ReLU(), nn.Linear(1, 1))
    with pytest.raises(ValueError, match=r"groups=3 must divide in_channels=4 and out_channels=6"):
        L.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match=r"Flatten expects an array \(N, ...\) with at least 2 dimensions"):
        L.Flatten()(np.zeros(3))


def test_gradient_check_of_a_small_network() -> None:
    model = scratch.Sequential(
        L.Conv2d(2, 3, 3, padding=1, rng=0, dtype=np.float64),
        L.Tanh(),  # before batch norm, so that the conv bias matters (batch norm would cancel it)
        L.BatchNorm2d(3, dtype=np.float64),
        L.MaxPool2d(2),
        L.Flatten(),
        L.Linear(3 * 2 * 2, 4, rng=1, dtype=np.float64),
    )
    x = np.random.default_rng(5).standard_normal((2, 2, 4, 4))
    errors = scratch.gradcheck.check_gradients(model, x)
    assert set(errors) == {"x", "0.weight", "0.bias", "2.weight", "2.bias", "5.weight", "5.bias"}
    assert max(errors.values()) < 1e-6, errors


# --------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from cnnbook.data import load_mnist

    train, test = load_mnist(full=False, seed=0)
    # The images are sorted by class: take every third (every other) one to keep all ten classes.
    return train.images.numpy()[::3], train.labels.numpy()[::3], test.images.numpy()[::2], test.labels.numpy()[::2]


def test_a_short_training_run_learns(mnist) -> None:
    x, y, x_test, y_test = mnist
    rng = np.random.default_rng(0)
    model = scratch.Sequential(
        L.Conv2d(1, 6, 5, padding=2, rng=rng), L.ReLU(), L.MaxPool2d(2),
        L.Conv2d(6, 16, 5, rng=rng), L.ReLU(), L.MaxPool2d(2),
        L.Flatten(), L.Linear(400, 84, rng=rng), L.ReLU(), L.Linear(84, 10, rng=rng),
    )
    optimizer = scratch.Adam(model.parameters(), lr=2e-3)
    history = model.fit((x, y), (x_test, y_test), epochs=3, optimizer=optimizer, batch_size=32, rng=rng,
                        progress=False)
    # the same keys as cnnbook.train.History.as_dict(), so one plotting helper serves both engines
    from cnnbook.train import History

    assert set(history) <= set(History().as_dict())
    assert all(len(v) == 3 for v in history.values()) and history["epoch"] == [1, 2, 3]
    assert history["lr"] == [2e-3] * 3
    assert history["train_loss"][0] > 2 * history["train_loss"][-1]  # the loss falls clearly
    accuracy = scratch.evaluate(model, (x_test, y_test))["accuracy"]
    assert accuracy == history["val_accuracy"][-1]
    assert accuracy > 0.8  # chance is 0.1


def test_fit_bad_arguments() -> None:
    model = scratch.Sequential(L.Flatten(), L.Linear(4, 2, rng=0))
    optimizer = scratch.SGD(model.parameters())
    x = np.zeros((3, 1, 2, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"x and y must have the same, non-zero length, got 3 and 2"):
        scratch.fit(model, (x, np.zeros(2, dtype=int)), epochs=1, optimizer=optimizer)
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got 0"):
        scratch.fit(model, (x, np.zeros(3, dtype=int)), epochs=1, optimizer=optimizer, batch_size=0)
    with pytest.raises(ValueError, match=r"epochs must be a positive integer, got True"):
        scratch.fit(model, (x, np.zeros(3, dtype=int)), epochs=True, optimizer=optimizer)
