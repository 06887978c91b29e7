"""Overhead of cnnbook.train.fit against a bare PyTorch training loop.

Both loops train the same network on the same offline MNIST batches (the same
batch iterator, the same optimiser, the same number of epochs); ``fit`` adds
its bookkeeping (per-batch loss and accuracy, history, validation-free here so
that the comparison is training against training). The two are run
interleaved, several times, and the median times are compared.

    python benchmarks/train_overhead.py            # goal: overhead <= 5 %
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from cnnbook.data import load_mnist
from cnnbook.train import batches, fit


def network() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )


def bare_loop(model: nn.Module, train, epochs: int, batch_size: int) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.functional.cross_entropy
    data = batches(train, batch_size, shuffle=True)
    model.train()
    for _ in range(epochs):
        for inputs, targets in data:
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()


def with_fit(model: nn.Module, train, epochs: int, batch_size: int) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, train, epochs=epochs, optimizer=optimizer, batch_size=batch_size, device="cpu", progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    train, _ = load_mnist(full=False)
    times: dict[str, list[float]] = {"bare loop": [], "cnnbook.train.fit": []}
    runners = {"bare loop": bare_loop, "cnnbook.train.fit": with_fit}
    for repeat in range(args.repeats + 1):  # the first round warms up and is discarded
        for name, run in runners.items():
            torch.manual_seed(repeat)
            model = network()
            start = time.perf_counter()
            run(model, train, args.epochs, args.batch_size)
            if repeat > 0:
                times[name].append(time.perf_counter() - start)
    bare, ours = (statistics.median(times[name]) for name in runners)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.epochs} epochs of 4,000 MNIST digits, "
          f"batch {args.batch_size}, median of {args.repeats}")
    for name in runners:
        print(f"  {name:18s} {statistics.median(times[name]):6.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"  overhead of fit: {100 * (ours / bare - 1):+.1f} %  (goal: <= 5 %)")


if __name__ == "__main__":
    main()
