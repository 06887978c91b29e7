import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from cnnbook.data import ImageDataset
from cnnbook.train import (
    Callback,
    EarlyStopping,
    FreezeBatchNorm,
    History,
    _optimizer_step,
    accuracy,
    batches,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    save_checkpoint,
)


def blobs(n=256, seed=0, flip=False):
    """Two classes of 1 x 4 x 4 'images': bright top half vs bright bottom half, plus noise.

    ``flip=True`` swaps the labels: a model that learns the training blobs gets
    these ever more wrong, so its loss on them can only rise.
    """
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    images = 0.3 * torch.rand(n, 1, 4, 4, generator=g)
    images[labels == 0, :, :2] += 0.7
    images[labels == 1, :, 2:] += 0.7
    return ImageDataset(images, 1 - labels if flip else labels, ("top", "bottom"))


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
    assert len(history.step_loss) == len(history.step_lr) == 5 * 4  # 256 samples in batches of 64
    assert history.step_lr == [0.1] * 20
    # the epoch's loss is the mean of its steps' losses (equal batches)
    assert history.train_loss[0] == pytest.approx(sum(history.step_loss[:4]) / 4, rel=1e-5)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.val_accuracy[-1] > 0.95 > before
    assert history.val_accuracy[-1] == pytest.approx(evaluate(model, val)["accuracy"])


def test_fit_accepts_dataloaders_and_plain_datasets():
    images, labels = blobs().images, blobs().labels
    model = small_model()
    loader = DataLoader(TensorDataset(images, labels), batch_size=32, shuffle=True)
    history = fit(model, loader, TensorDataset(images, labels), epochs=2,
                  optimizer=torch.optim.Adam(model.parameters(), lr=0.01), device="cpu")
    assert len(history.val_loss) == 2 and len(history.step_loss) == 2 * 8


def test_fit_steps_the_learning_rate_schedule():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(model, blobs(), epochs=3, optimizer=optimizer, scheduler=scheduler, device="cpu")
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])
    assert history.step_lr == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.025] * 4)
    assert history.val_loss == []


def test_fit_batch_interval_schedule_records_every_step():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = len(batches(blobs(), 64))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 / (1 + step))
    history = fit(model, blobs(), epochs=2, optimizer=optimizer, scheduler=scheduler, scheduler_interval="batch",
                  batch_size=64, device="cpu")
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 / (1 + 2 * steps))
    assert history.step_lr == pytest.approx([0.1 / (1 + k) for k in range(2 * steps)])


def test_reduce_on_plateau_is_stepped_with_the_validation_loss():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, factor=0.5)

    def constant_loss(outputs, targets):  # zero gradients: the weights, and so the losses, never change
        return outputs.sum() * 0 + 1.0

    history = fit(model, blobs(), blobs(1), epochs=3, optimizer=optimizer, loss=constant_loss, scheduler=plateau,
                  device="cpu")
    # epoch 1 sets the best loss; every later epoch fails to improve it and, with patience 0, halves the rate
    assert history.lr == pytest.approx([0.1, 0.1, 0.05])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


def test_early_stopping_stops_and_restores_the_best_weights():
    # The validation labels are the training labels flipped: as the model learns,
    # the validation loss rises, so early stopping must stop `patience` epochs
    # after its best epoch, long before the 30 epochs allowed.
    train, val = blobs(), blobs(seed=1, flip=True)
    model = small_model()
    stopper = EarlyStopping(patience=2)
    history = fit(model, train, val, epochs=30, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  early_stopping=stopper, device="cpu")
    best = history.best_epoch
    assert best is not None
    assert len(history) == best + 2 < 30
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert evaluate(model, val)["loss"] == pytest.approx(min(history.val_loss), rel=1e-5)
    assert evaluate(model, val)["loss"] < history.val_loss[-1]  # not the last epoch's weights


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
    assert restored.train_loss == history.train_loss and restored.train_accuracy == history.train_accuracy
    # every value of the optimiser's state, not only its keys (Adam's step count and moment estimates)
    saved, loaded = optimizer.state_dict()["state"], copy_optimizer.state_dict()["state"]
    assert saved.keys() == loaded.keys() and saved
    for index in saved:
        assert saved[index].keys() == loaded[index].keys()
        for name in saved[index]:
            assert torch.equal(saved[index][name], loaded[index][name]), (index, name)
    state = torch.load(path, weights_only=True)  # tensors and plain values only: the safe loader accepts it
    assert state["epoch"] == 2


def test_a_resumed_run_follows_the_uninterrupted_trajectory(tmp_path):
    def run(epochs, resume=None, checkpoint=None):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Dropout(0.3), nn.Flatten(),
                              nn.Linear(64, 2))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
        if resume is not None:
            torch.manual_seed(123)  # a fresh process: the checkpoint must restore the random state itself
        history = fit(model, blobs(), blobs(1), epochs=epochs, optimizer=optimizer, scheduler=scheduler,
                      device="cpu", checkpoint=checkpoint, resume=resume)
        return model, history

    straight, straight_history = run(4)
    path = tmp_path / "checkpoint.pt"
    run(2, checkpoint=path)
    resumed, resumed_history = run(4, resume=path, checkpoint=path)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
    assert resumed_history.epoch == [1, 2, 3, 4]
    assert resumed_history.step_loss == straight_history.step_loss
    assert resumed_history.val_loss == straight_history.val_loss
    assert resumed_history.lr == pytest.approx([0.01, 0.007, 0.0049, 0.00343])


def test_save_checkpoint_without_optimizer(tmp_path):
    model = small_model()
    save_checkpoint(tmp_path / "m.pt", model)
    assert load_checkpoint(tmp_path / "m.pt", small_model()) is None
    with pytest.raises(ValueError, match="not a checkpoint written by fit"):
        fit(small_model(), blobs(), epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            resume=tmp_path / "m.pt", device="cpu")


def test_max_steps_ends_inside_an_epoch():
    model = small_model()
    history = fit(model, blobs(), epochs=10, max_steps=6, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  device="cpu")
    assert len(history.step_loss) == 6 and history.epoch == [1, 2]  # 4 steps per epoch
    history = fit(small_model(), blobs(), max_steps=3, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  device="cpu")
    assert len(history.step_loss) == 3 and history.epoch == [1]


def test_gradient_clipping_bounds_the_step():
    model = small_model()
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    fit(model, blobs(), max_steps=1, optimizer=torch.optim.SGD(model.parameters(), lr=1.0), clip_grad_norm=1e-3,
        device="cpu")
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    # plain SGD moves the weights by lr times the clipped gradient, whose norm is the clipping threshold
    assert (after - before).norm().item() == pytest.approx(1e-3, rel=1e-3)


def test_callbacks_are_called_and_can_stop_training():
    calls = []

    class Recorder(Callback):
        def on_epoch_start(self, model, epoch):
            calls.append(("start", epoch, model.training))

        def on_step_end(self, model, step, loss):
            calls.append(("step", step))

        def on_epoch_end(self, model, epoch, history):
            calls.append(("end", epoch, len(history)))
            return epoch == 2

    model = small_model()
    history = fit(model, blobs(), epochs=5, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  callbacks=[Recorder()], device="cpu")
    assert len(history) == 2
    assert calls[:6] == [("start", 1, True), ("step", 1), ("step", 2), ("step", 3), ("step", 4), ("end", 1, 1)]
    assert calls[-1] == ("end", 2, 2)


def test_freeze_batch_norm_keeps_frozen_statistics():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(64, 2))
    for p in model[1].parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    fit(model, blobs(), epochs=1, optimizer=optimizer, callbacks=[FreezeBatchNorm()], device="cpu")
    assert torch.equal(model[1].running_mean, torch.zeros(4)) and model[1].num_batches_tracked == 0
    fit(model, blobs(), epochs=1, optimizer=optimizer, device="cpu")  # without the callback they move
    assert not torch.equal(model[1].running_mean, torch.zeros(4))


def test_a_step_that_the_scaler_skipped_is_reported():
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    before = model.weight.detach().clone()
    loss = (model(torch.ones(1, 2)) * float("inf")).sum()
    assert _optimizer_step(optimizer, scaler, list(model.parameters()), loss, None) is False
    assert torch.equal(model.weight, before)  # the scaler refused the inf gradient
    optimizer.zero_grad()
    loss = model(torch.ones(1, 2)).sum()
    assert _optimizer_step(optimizer, scaler, list(model.parameters()), loss, 1.0) is True
    assert not torch.equal(model.weight, before)


def test_distributed_sampler_gets_the_epoch_and_only_rank_zero_writes(tmp_path, monkeypatch):
    dataset = TensorDataset(blobs().images, blobs().labels)
    sampler = DistributedSampler(dataset, num_replicas=2, rank=0, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    seen = []

    class Order(Callback):
        def on_epoch_start(self, model, epoch):
            seen.append(list(iter(sampler)))

    model = small_model()
    fit(model, loader, epochs=3, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), callbacks=[Order()],
        checkpoint=tmp_path / "rank0.pt", device="cpu")
    assert sampler.epoch == 3 and seen[0] != seen[1] != seen[2]  # a new shuffle every epoch
    assert (tmp_path / "rank0.pt").exists()
    import torch.distributed as dist

    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_rank", lambda group=None: 1)
    monkeypatch.setattr(dist, "get_world_size", lambda group=None: 2)
    fit(model, loader, epochs=1, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        checkpoint=tmp_path / "rank1.pt", device="cpu")
    assert not (tmp_path / "rank1.pt").exists()


def test_the_metric_is_recorded_under_its_name():
    def error_rate(outputs, targets):
        return 1.0 - accuracy(outputs, targets)

    model = small_model()
    history = fit(model, blobs(), blobs(1), epochs=2, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                  metric=error_rate, device="cpu")
    result = evaluate(model, blobs(1), metric=error_rate)
    assert set(result) == {"loss", "error_rate"} and history.metric == "error_rate"
    assert history.val_error_rate[-1] == pytest.approx(result["error_rate"])
    assert "train_error_rate" in history.as_dict() and "train_accuracy" not in history.as_dict()
    with pytest.raises(AttributeError, match="train_accuracy"):
        history.train_accuracy


def test_predict_and_evaluate_agree():
    model = small_model()
    outputs, targets = predict(model, blobs())
    assert outputs.shape == (256, 2) and torch.equal(targets, blobs().labels)
    assert evaluate(model, blobs())["accuracy"] == pytest.approx(float(accuracy(outputs, targets)))
    assert model.training  # the mode is restored


def test_evaluate_without_metric():
    result = evaluate(small_model(), blobs(), metric=None)
    assert set(result) == {"loss"} and result["loss"] > 0


def test_accuracy():
    outputs = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert float(accuracy(outputs, torch.tensor([1, 0, 0]))) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="N x K"):
        accuracy(outputs, torch.tensor([1, 0]))


def test_batches_keep_images_and_labels_paired():
    n = 100
    images = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous()
    data = ImageDataset(images, torch.arange(n), [str(i) for i in range(n)])
    seen = []
    for x, y in batches(data, batch_size=32, shuffle=True):
        assert torch.equal(x[:, 0, 0, 0].long(), y)  # each image still carries its own label
        seen.append(y)
    seen = torch.cat(seen)
    assert torch.equal(seen.sort().values, torch.arange(n))  # every sample exactly once
    assert not torch.equal(seen, torch.arange(n))  # and shuffled
    assert len(batches(data, batch_size=32)) == 4


def test_batches_recognise_datasets_by_type_and_never_ignore_batch_size():
    data = blobs(n=10)
    flipped = ImageDataset(data.images, data.labels, data.classes, transform=lambda image: image.flip(-1),
                           target_transform=lambda label: label + 10)
    x, y = next(iter(batches(flipped, batch_size=4)))
    assert torch.equal(x, data.images[:4].flip(-1)) and torch.equal(y, data.labels[:4] + 10)

    class LooksLikeADataset:  # has images and labels, but is a plain iterable of batches
        images, labels = data.images, data.labels

        def __iter__(self):
            yield data.images[:3], data.labels[:3]

    assert len(list(batches(LooksLikeADataset()))) == 1
    loader = DataLoader(TensorDataset(data.images, data.labels), batch_size=5)
    assert batches(loader) is loader and batches(loader, 5) is loader
    with pytest.raises(ValueError, match="batch_size must be None or the DataLoader's own batch size 5, got 4"):
        batches(loader, 4)
    with pytest.raises(ValueError, match="batch_size must be None for data that is already batched"):
        batches([(data.images, data.labels)], 4)


def test_empty_data_is_refused():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, [], epochs=1, optimizer=optimizer, device="cpu")
    with pytest.raises(ValueError, match="no data"):
        evaluate(model, [])


def test_bad_arguments():
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, blobs(), epochs=0, optimizer=optimizer)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got True"):
        fit(model, blobs(), epochs=True, optimizer=optimizer)
    with pytest.raises(ValueError, match="needs epochs or max_steps"):
        fit(model, blobs(), optimizer=optimizer)
    with pytest.raises(ValueError, match="val"):
        fit(model, blobs(), epochs=1, optimizer=optimizer, early_stopping=EarlyStopping())
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, blobs(), epochs=1, optimizer=optimizer, scheduler_interval="step")
    with pytest.raises(ValueError, match="clip_grad_norm must be a positive number"):
        fit(model, blobs(), epochs=1, optimizer=optimizer, clip_grad_norm=0)
    with pytest.raises(ValueError, match="batch_size"):
        batches(blobs(), batch_size=0)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="Dataset"):
        batches(42)


def test_history_round_trips_through_a_dict():
    history = History(epoch=[1], train_loss=[0.5], train_metric=[0.75], lr=[0.1])
    assert history.train_accuracy == [0.75]
    assert History.from_dict(history.as_dict()) == history
    assert History.from_dict(history.as_dict()).train_accuracy == [0.75]
    assert History(train_accuracy=[0.5]).train_metric == [0.5]  # the metric's own name works when building too
    with pytest.raises(TypeError, match="unknown fields"):
        History(train_f1=[0.5])
