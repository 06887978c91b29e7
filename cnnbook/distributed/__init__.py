"""Data-parallel training with PyTorch's DistributedDataParallel (DDP), launched by ``torchrun``.

Under DDP every process (a *rank*) holds a full replica of the model and
trains it on its own shard of each epoch's data; after every backward pass
the gradients are averaged across the ranks (an all-reduce), so that every
replica takes the same optimiser step and the replicas stay identical.

A process group cannot be started from functions defined in a Jupyter
notebook (the launcher would have to pickle them to the workers), so the
training script ships in the package, :mod:`cnnbook.distributed.worker`, and
a notebook starts it as a subprocess with :func:`launch`, which runs
``torchrun --nproc_per_node=N -m cnnbook.distributed.worker ...``.

What this module adds to :func:`cnnbook.train.fit` so that it runs under DDP:

- :class:`DistributedBatches`: each rank's mini-batches, drawn by a
  ``DistributedSampler`` whose ``set_epoch`` is called at the start of every
  pass, so that the shards are reshuffled every epoch (a sampler that is never
  told the epoch repeats the first epoch's order for ever);
- :func:`fit_distributed`: wraps the model in ``DistributedDataParallel`` and
  calls ``fit`` with a progress bar and checkpoints on rank 0 only.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from ..checks import as_int
from ..train import History, fit

__all__ = ["DistributedBatches", "fit_distributed", "launch", "shard_indices", "torchrun_command"]


def shard_indices(size: int, world_size: int, *, shuffle: bool = True, seed: int = 0, epoch: int = 0,
                  drop_last: bool = False) -> list[list[int]]:
    """The indices of ``range(size)`` that ``DistributedSampler`` gives each of ``world_size`` ranks.

    Computed without a process group (the sampler is told its rank), so the
    partition can be inspected anywhere. When ``size`` is not a multiple of
    ``world_size`` the sampler pads the shards by repeating samples
    (``drop_last=False``) or drops the remainder (``drop_last=True``).

    Returns:
        ``world_size`` lists of ``ceil(size / world_size)`` (or ``floor`` with
        ``drop_last``) indices.
    """
    size, world_size = as_int("size", size), as_int("world_size", world_size)
    placeholder = range(size)
    return [_sampler_epoch(DistributedSampler(placeholder, num_replicas=world_size, rank=rank, shuffle=shuffle,
                                              seed=seed, drop_last=drop_last), epoch)
            for rank in range(world_size)]


def _sampler_epoch(sampler: DistributedSampler, epoch: int) -> list[int]:
    sampler.set_epoch(epoch)
    return list(sampler)


class DistributedBatches:
    """This rank's mini-batches of ``dataset``, reshuffled every epoch.

    A ``DataLoader`` over a ``DistributedSampler``; each pass over it (each
    epoch of :func:`cnnbook.train.fit`) first calls ``sampler.set_epoch`` with
    the number of the pass, so that all ranks draw the same permutation of the
    dataset for that epoch and each takes its own disjoint slice of it.

    Args:
        dataset: a map-style dataset giving ``(image C x H x W, label)``.
        batch_size: samples per batch on this rank (the global batch is
            ``batch_size * world_size``).
        rank, world_size: this process's rank and the number of processes
            (default: from the initialised process group).
        shuffle: reshuffle every epoch.
        seed: seed of the shuffle, the same on every rank.
        drop_last: drop the tail that does not divide evenly among the ranks
            instead of padding it with repeated samples.
    """

    def __init__(self, dataset: Dataset, batch_size: int, *, rank: int | None = None,
                 world_size: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        as_int("batch_size", batch_size)
        self.sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle,
                                          seed=seed, drop_last=drop_last)
        self.loader = DataLoader(dataset, batch_size=batch_size, sampler=self.sampler)
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        return iter(self.loader)

    def indices(self, epoch: int) -> list[int]:
        """The dataset indices this rank visits in ``epoch`` (0-based), in order."""
        return _sampler_epoch(self.sampler, epoch)


def fit_distributed(model: nn.Module, train: DistributedBatches, *, epochs: int, optimizer: torch.optim.Optimizer,
                    checkpoint: str | Path | None = None, **fit_arguments: Any) -> tuple[nn.Module, History]:
    """Train ``model`` with DistributedDataParallel on this rank's batches, through ``fit``.

    Call it in every process of an initialised process group (``gloo`` on
    CPUs, ``nccl`` on GPUs), with the same arguments. The model is wrapped in
    ``DistributedDataParallel``, which broadcasts rank 0's initial weights to
    every rank and averages the gradients after each backward pass. The
    progress bar is drawn and the checkpoint written on rank 0 only (every
    rank holds the same weights; several writers to one file would race).

    Args:
        model: the network (the same architecture on every rank), on the CPU.
        train: this rank's :class:`DistributedBatches` of the training set.
        epochs, optimizer: as for :func:`cnnbook.train.fit` (build the
            optimiser over ``model``'s parameters before calling).
        checkpoint: a file written by rank 0 after every epoch (it holds the
            ``DistributedDataParallel`` wrapper's keys, ``module.`` + the model's).
        fit_arguments: passed on to ``fit`` (``loss``, ``metric``, ``val``...).

    Returns:
        ``(ddp_model, history)``: the wrapper (its ``.module`` is ``model``)
        and this rank's :class:`History` (losses on its own shard).

    Raises:
        RuntimeError: if no process group is initialised.
        ValueError: if ``train`` is not a :class:`DistributedBatches`.
    """
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("fit_distributed needs an initialised process group (torch.distributed.init_process_group)")
    if not isinstance(train, DistributedBatches):
        raise ValueError(f"train must be a DistributedBatches, got {type(train).__name__}")
    rank = dist.get_rank()
    ddp_model = DistributedDataParallel(model)
    if rank != 0:
        fit_arguments["progress"] = False
    history = fit(ddp_model, train, epochs=epochs, optimizer=optimizer, device="cpu",
                  checkpoint=checkpoint if rank == 0 else None, **fit_arguments)
    return ddp_model, history


def torchrun_command(module: str, arguments: Sequence[str] = (), *, nproc_per_node: int = 2, nnodes: int = 1,
                     rdzv_endpoint: str | None = None, rdzv_id: str | None = None) -> list[str]:
    """The ``torchrun`` command line that runs ``python -m module arguments`` in each process.

    On one machine (``nnodes=1``, no endpoint) it uses ``--standalone``: a
    rendezvous on a free local port. On several machines, every machine runs
    the same command with ``--nnodes``, the same ``--rdzv-id`` and the
    ``--rdzv-endpoint`` host:port of one of them, where the c10d rendezvous
    assigns the ranks.
    """
    as_int("nproc_per_node", nproc_per_node)
    as_int("nnodes", nnodes)
    command = [sys.executable, "-m", "torch.distributed.run"]
    if nnodes == 1 and rdzv_endpoint is None:
        command += ["--standalone"]
    else:
        if rdzv_endpoint is None:
            raise ValueError("several nodes need rdzv_endpoint='host:port' of the rendezvous")
        command += [f"--nnodes={nnodes}", "--rdzv-backend=c10d", f"--rdzv-endpoint={rdzv_endpoint}",
                    f"--rdzv-id={rdzv_id or 'cnnbook'}"]
    return command + [f"--nproc-per-node={nproc_per_node}", "-m", module, *arguments]


def launch(module: str, arguments: Sequence[str] = (), *, nproc_per_node: int = 2, timeout: float = 300,
           threads_per_process: int = 1) -> subprocess.CompletedProcess:
    """Run ``module`` under ``torchrun`` on this machine and wait for it.

    The workers talk over 127.0.0.1 (``MASTER_ADDR``) and each uses
    ``threads_per_process`` CPU threads (``OMP_NUM_THREADS``).

    Returns:
        The finished process (``stdout`` and ``stderr`` as text).

    Raises:
        RuntimeError: if the run fails or takes longer than ``timeout`` seconds
            (the message holds the end of its error output).
    """
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS=str(threads_per_process))
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(Path(__file__).resolve().parents[2]),
                                                    os.environ.get("PYTHONPATH", "")] if p)
    command = torchrun_command(module, arguments, nproc_per_node=nproc_per_node)
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"torchrun did not finish within {timeout} s: {' '.join(command)}") from error
    if result.returncode != 0:
        raise RuntimeError(f"torchrun failed (exit {result.returncode}): {' '.join(command)}\n{result.stderr[-3000:]}")
    return result
