"""Train a LeNet-style network built only from ``cnnbook.scratch`` on the offline MNIST digits.

Prints the holdout accuracy and the wall time of training. The goal of the
engine (issue 3): accuracy >= 0.95 in <= 60 s on a 2-core laptop CPU.

Run from the repository root::

    python benchmarks/scratch_lenet.py [--epochs 10] [--batch-size 32] [--seed 0] [--blas-threads 1]

On a machine shared with other busy programs, NumPy's multi-threaded BLAS
spends most of its time waiting for its threads to be scheduled (measured
here: 116 s with the default two threads under a load of 4, 8 s with
``--blas-threads 1``, on the same busy machine).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from cnnbook.data import load_mnist
from cnnbook.scratch import (
    Adam,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    evaluate,
    fit,
)


def lenet(rng: np.random.Generator) -> Sequential:
    """LeNet-5 with the modern choices (ReLU, max pooling) on 28 x 28 inputs."""
    return Sequential(
        Conv2d(1, 6, 5, padding=2, rng=rng),   # 6 x 28 x 28
        ReLU(),
        MaxPool2d(2),                          # 6 x 14 x 14
        Conv2d(6, 16, 5, rng=rng),             # 16 x 10 x 10
        ReLU(),
        MaxPool2d(2),                          # 16 x 5 x 5
        Flatten(),                             # 400
        Linear(400, 120, rng=rng),
        ReLU(),
        Linear(120, 84, rng=rng),
        ReLU(),
        Linear(84, 10, rng=rng),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--halve-at", type=int, nargs="*", default=[4, 7], help="epochs where the learning rate halves")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit NumPy's BLAS to this many threads (default: its own choice, all cores)")
    args = parser.parse_args()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")

    train, test = load_mnist(full=False, seed=args.seed)
    x_train, y_train = train.images.numpy(), train.labels.numpy()
    x_test, y_test = test.images.numpy(), test.labels.numpy()
    rng = np.random.default_rng(args.seed)
    model = lenet(rng)
    optimizer = Adam(model.parameters(), lr=args.lr)

    load = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(args.epochs):
        if epoch in args.halve_at:  # a step schedule: smaller steps once the loss has come down
            optimizer.lr /= 2
        history = fit(model, optimizer, x_train, y_train, epochs=1, batch_size=args.batch_size, rng=rng)
        print(f"epoch {epoch + 1}: lr {optimizer.lr:.1e}, train loss {history['loss'][0]:.4f}, "
              f"train accuracy {history['accuracy'][0]:.4f}, {history['seconds'][0]:.1f} s")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    loss, accuracy = evaluate(model, x_test, y_test)

    print(f"train {len(x_train)} / test {len(x_test)} images, {args.epochs} epochs, batch {args.batch_size}")
    print(f"holdout accuracy {accuracy:.4f} (loss {loss:.4f})")
    print(f"training wall time {seconds:.1f} s (CPU time of this process {cpu_seconds:.1f} s; "
          f"load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
