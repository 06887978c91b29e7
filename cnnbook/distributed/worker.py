"""The DDP training script: ``torchrun --nproc-per-node=2 -m cnnbook.distributed.worker TASK... --out DIR``.

Every process runs this file. It joins the process group (gloo, on the
CPU), builds the modern LeNet-5 from the same seed, trains it on its shard
of the offline MNIST training digits with :func:`cnnbook.distributed.fit_distributed`,
and writes what each task did to ``DIR/TASK``:

- ``rank{r}.pt``: its final weights (a ``state_dict`` of the model, without
  the wrapper's ``module.`` prefix);
- ``rank{r}.json``: its rank, the world size, the indices of the samples it
  visited in each epoch, its loss history and the seconds per epoch;
- ``checkpoint.pt``: rank 0 only, the checkpoint ``fit`` writes after every epoch.

Tasks:

``train``
    mini-batch SGD (momentum 0.9) on ``--samples`` digits for ``--epochs``
    epochs with ``--batch-size`` samples per rank and per step, reshuffled every epoch.
``full-batch``
    ``--steps`` steps of plain SGD where every step sees the whole of each
    rank's shard (``--full-batch-samples / world_size`` digits, a mean loss
    over each shard); with even shards the averaged gradient equals the
    gradient of the mean loss over all ``--full-batch-samples`` digits, so the
    result must equal single-process full-batch SGD (:func:`full_batch_reference`).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch import nn

from ..data import ImageDataset, load_mnist
from ..models import lenet5
from ..train import fit
from . import DistributedBatches, fit_distributed

__all__ = ["build_model", "full_batch_reference", "main", "run_task", "save_dataset", "training_digits"]


def build_model(seed: int) -> nn.Module:
    """The modern LeNet-5 for 28 x 28 digits, initialised from ``seed`` (no batch normalisation,
    whose per-rank batch statistics would differ between replicas unless synchronised)."""
    torch.manual_seed(seed)
    return lenet5("modern", input_size=28)


def save_dataset(dataset: ImageDataset, path: str | Path) -> Path:
    """Write ``dataset``'s images (``N x C x H x W`` float32) and labels (``N`` int64) to ``path`` for ``--data``.

    Handing the workers a tensor file spares each process from loading and
    splitting the dataset again (seconds of CPU time per process).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"images": dataset.images, "labels": dataset.labels, "classes": list(dataset.classes)}, path)
    return path


def training_digits(samples: int, data: str | Path | None = None) -> ImageDataset:
    """The first ``samples`` training images: from the file ``data`` written by :func:`save_dataset`,
    or by default the offline MNIST training digits (shuffled, the split fixed by seed 0)."""
    if data is None:
        train, _ = load_mnist(full=False, seed=0)
    else:
        state = torch.load(Path(data), weights_only=True)
        train = ImageDataset(state["images"], state["labels"], state["classes"])
    if not 1 <= samples <= len(train):
        raise ValueError(f"samples must be in 1..{len(train)}, got {samples}")
    return ImageDataset(train.images[:samples], train.labels[:samples], train.classes)


def full_batch_reference(samples: int, steps: int, lr: float, seed: int,
                         data: str | Path | None = None) -> nn.Module:
    """Single-process full-batch SGD: ``steps`` steps of plain SGD on the mean loss over the
    first ``samples`` images (of ``data``, as in :func:`training_digits`)."""
    model = build_model(seed)
    data = training_digits(samples, data)
    fit(model, data, epochs=steps, optimizer=torch.optim.SGD(model.parameters(), lr=lr), batch_size=samples,
        device="cpu", progress=False)
    return model


def run_task(task: str, out: Path, *, samples: int, epochs: int, batch_size: int, lr: float, seed: int,
             data: Path | None = None) -> None:
    """Run one task (``"train"`` or ``"full-batch"``) in this process of the group; write its files to ``out``."""
    import torch.distributed as dist

    rank, world_size = dist.get_rank(), dist.get_world_size()
    out.mkdir(parents=True, exist_ok=True)
    dataset = training_digits(samples, data)
    model = build_model(seed)
    if task == "train":
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        shuffle = True
    elif task == "full-batch":
        if samples % world_size:
            raise ValueError(f"full-batch needs even shards: {samples} samples on {world_size} ranks")
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        batch_size, shuffle = samples // world_size, False
    else:
        raise ValueError(f"task must be 'train' or 'full-batch', got {task!r}")
    train = DistributedBatches(dataset, batch_size, shuffle=shuffle, seed=seed)
    dist.barrier()  # start the clocks together
    start = time.perf_counter()
    _, history = fit_distributed(model, train, epochs=epochs, optimizer=optimizer, checkpoint=out / "checkpoint.pt")
    dist.barrier()
    seconds = time.perf_counter() - start
    record = {"rank": rank, "world_size": world_size, "task": task, "samples": samples, "epochs": epochs,
              "batch_size": batch_size, "seconds": seconds, "epoch_seconds": history.seconds,
              "train_loss": history.train_loss, "indices": [train.indices(epoch) for epoch in range(epochs)]}
    torch.save(model.state_dict(), out / f"rank{rank}.pt")
    (out / f"rank{rank}.json").write_text(json.dumps(record))
    if rank == 0:
        print(f"{task}: {world_size} processes, {epochs} epochs of {samples} samples, {seconds:.2f} s, "
              f"last loss on rank 0's shard {history.train_loss[-1]:.4f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, join the process group, run the tasks in order, leave the group."""
    import torch.distributed as dist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="+", choices=["train", "full-batch"], help="run in this order")
    parser.add_argument("--out", type=Path, required=True, help="directory; each task writes to out/TASK")
    parser.add_argument("--samples", type=int, default=2000, help="training digits (for both tasks)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of train")
    parser.add_argument("--steps", type=int, default=5, help="steps of full-batch")
    parser.add_argument("--batch-size", type=int, default=32, help="per rank, for train")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--full-batch-samples", type=int, default=512)
    parser.add_argument("--full-batch-lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=None,
                        help="a tensor file from save_dataset (default: the offline MNIST training digits)")
    args = parser.parse_args(argv)

    dist.init_process_group(backend="gloo")  # rank, world size and address come from torchrun's environment
    try:
        for task in args.tasks:
            if task == "train":
                run_task(task, args.out / task, samples=args.samples, epochs=args.epochs,
                         batch_size=args.batch_size, lr=args.lr, seed=args.seed, data=args.data)
            else:
                run_task(task, args.out / task, samples=args.full_batch_samples, epochs=args.steps,
                         batch_size=args.full_batch_samples, lr=args.full_batch_lr, seed=args.seed,
                         data=args.data)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
