import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from cnnbook.data import ImageDataset
from cnnbook.train import (
    EarlyStopping,
    History,
    accuracy,
    batches,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    save_checkpoint,
)


def blobs(n=256, seed=0):
    """Two classes of 1 x 4 x 4 'images': bright top half vs bright bottom half, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    images = 0.3 * torch.rand(n, 1, 4, 4, generator=g)
    images[labels == 0, :, :2] += 0.7
    images[labels == 1, :, 2:] += 0.7
    return ImageDataset(images, labels, ("top", "bottom"))


def small_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))


def test_fit_learns_and_records_history():
    train, val = blobs(), blobs(seed=1)
    model = small_model()
    before = evaluate(model, val)["accuracy"]
    history = fit(model, train, val, epochs=5, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), device="cpu")
    assert len(history) == 5 and history.epoch == [1, 2, 3, 4, 5]
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"):
        assert len(getattr(history, name)) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.95 > before
    assert history.val_accuracy[-1] == pytest.approx(evaluate(model, val)["accuracy"])


def test_fit_accepts_dataloaders_and_plain_datasets():
    images, labels = blobs().images, blobs().labels
    model = small_model()
    loader = DataLoader(TensorDataset(images, labels), batch_size=32, shuffle=True)
    history = fit(model, loader, TensorDataset(images, labels), epochs=2,
                  optimizer=torch.optim.Adam(model.parameters(), lr=0.01), device="cpu")
    assert len(history.val_loss) == 2


def test_fit_steps_the_learning_rate_schedule():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(model, blobs(), epochs=3, optimizer=optimizer, scheduler=scheduler, device="cpu")
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])
    assert history.val_loss == []


def test_fit_batch_interval_schedule_and_plateau():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = len(batches(blobs(), 64))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 / (1 + step))
    fit(model, blobs(), epochs=1, optimizer=optimizer, scheduler=scheduler, scheduler_interval="batch",
        batch_size=64, device="cpu")
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 / (1 + steps))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    fit(model, blobs(), blobs(1), epochs=2, optimizer=optimizer, scheduler=plateau, device="cpu")


def test_early_stopping_restores_the_best_weights():
    train, val = blobs(), blobs(seed=1)
    model = small_model()
    # A learning rate far too large makes the validation loss jump around, so
    # training stops early and the best epoch is not the last one trained.
    stopper = EarlyStopping(patience=2)
    history = fit(model, train, val, epochs=30, optimizer=torch.optim.SGD(model.parameters(), lr=5.0),
                  early_stopping=stopper, device="cpu")
    best = history.best_epoch
    assert best is not None and len(history) <= 30
    assert len(history) - best == 2 or len(history) == 30
    assert evaluate(model, val)["loss"] == pytest.approx(min(history.val_loss), rel=1e-5)
    assert history.val_loss[best - 1] == min(history.val_loss)


def test_checkpoint_round_trip(tmp_path):
    model = small_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    path = tmp_path / "run" / "checkpoint.pt"
    history = fit(model, blobs(), epochs=2, optimizer=optimizer, checkpoint=path, device="cpu")
    copy = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))
    copy_optimizer = torch.optim.Adam(copy.parameters(), lr=0.01)
    restored = load_checkpoint(path, copy, copy_optimizer)
    for a, b in zip(model.state_dict().values(), copy.state_dict().values()):
        assert torch.equal(a, b)
    assert restored.train_loss == history.train_loss
    assert copy_optimizer.state_dict()["state"].keys() == optimizer.state_dict()["state"].keys()
    # the file holds tensors and plain values only: the safe loader accepts it
    torch.load(path, weights_only=True)


def test_save_checkpoint_without_optimizer(tmp_path):
    model = small_model()
    save_checkpoint(tmp_path / "m.pt", model)
    assert load_checkpoint(tmp_path / "m.pt", small_model()) is None


def test_predict_and_evaluate_agree():
    model = small_model()
    outputs, targets = predict(model, blobs())
    assert outputs.shape == (256, 2) and torch.equal(targets, blobs().labels)
    assert evaluate(model, blobs())["accuracy"] == pytest.approx(accuracy(outputs, targets))
    assert model.training  # the mode is restored


def test_evaluate_without_metric():
    result = evaluate(small_model(), blobs(), metric=None)
    assert math.isnan(result["accuracy"]) and result["loss"] > 0


def test_accuracy():
    outputs = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(outputs, torch.tensor([1, 0, 0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="N x K"):
        accuracy(outputs, torch.tensor([1, 0]))


def test_batches_cover_every_sample_once():
    data = blobs(n=100)
    seen = torch.cat([labels for _, labels in batches(data, batch_size=32, shuffle=True)])
    assert len(seen) == 100 and torch.equal(seen.sort().values, data.labels.sort().values)
    assert len(batches(data, batch_size=32)) == 4


def test_bad_arguments():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, blobs(), epochs=0, optimizer=optimizer)
    with pytest.raises(ValueError, match="val"):
        fit(model, blobs(), epochs=1, optimizer=optimizer, early_stopping=EarlyStopping())
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, blobs(), epochs=1, optimizer=optimizer, scheduler_interval="step")
    with pytest.raises(ValueError, match="batch_size"):
        batches(blobs(), batch_size=0)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="Dataset"):
        batches(42)


def test_history_round_trips_through_a_dict():
    history = History(epoch=[1], train_loss=[0.5], lr=[0.1])
    assert History.from_dict(history.as_dict()) == history
