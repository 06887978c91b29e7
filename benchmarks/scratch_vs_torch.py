"""Time the scratch engine against PyTorch on the CPU: conv2d and max pooling, forward + backward, float32.

Both run in the same process on the same arrays, interleaved (scratch, torch,
scratch, torch, ...) so that any slowdown of the machine hits both alike;
the script reports the median of each and their ratio. PyTorch keeps its
default number of threads, and NumPy's BLAS its own; both are printed.

Run from the repository root::

    python benchmarks/scratch_vs_torch.py [--repeats 30]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as TF

from cnnbook.scratch import functional as F

# (N, C_in, C_out, H = W, kernel, padding): the three shapes of issue 3
CONV_SHAPES = [
    (64, 1, 6, 28, 5, 2),
    (64, 16, 32, 14, 3, 1),
    (32, 64, 64, 32, 3, 1),
]
# (N, C, H = W, kernel = stride): the pooling layers after such convolutions
POOL_SHAPES = [
    (64, 6, 28, 2),
    (64, 32, 14, 2),
    (32, 64, 32, 2),
]


def interleaved_medians(functions: dict[str, Callable[[], object]], repeats: int, warmup: int = 3) -> dict[str, float]:
    """Run the functions in turn ``repeats`` times (after ``warmup`` rounds); median seconds of each."""
    for _ in range(warmup):
        for f in functions.values():
            f()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, f in functions.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def conv_pair(n: int, c_in: int, c_out: int, size: int, kernel: int, padding: int) -> dict[str, Callable[[], object]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
    w = (rng.standard_normal((c_out, c_in, kernel, kernel)) / np.sqrt(c_in * kernel * kernel)).astype(np.float32)
    b = rng.standard_normal(c_out, dtype=np.float32)
    out, _ = F.conv2d_forward(x, w, b, padding=padding)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    xt, wt, bt, doutt = (torch.from_numpy(a) for a in (x, w, b, dout))

    def scratch() -> object:
        _, cache = F.conv2d_forward(x, w, b, padding=padding)
        return F.conv2d_backward(dout, cache)

    def pytorch() -> object:
        inputs = [t.detach().requires_grad_() for t in (xt, wt, bt)]  # gradients for x, w and b, as scratch
        out_t = TF.conv2d(*inputs, padding=padding)
        return torch.autograd.grad(out_t, inputs, doutt)

    return {"scratch": scratch, "torch": pytorch}


def pool_pair(n: int, c: int, size: int, kernel: int) -> dict[str, Callable[[], object]]:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, size, size), dtype=np.float32)
    out, _ = F.max_pool2d_forward(x, kernel)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    xt, doutt = torch.from_numpy(x), torch.from_numpy(dout)

    def scratch() -> object:
        _, cache = F.max_pool2d_forward(x, kernel)
        return F.max_pool2d_backward(dout, cache)

    def pytorch() -> object:
        inp = xt.detach().requires_grad_()
        return torch.autograd.grad(TF.max_pool2d(inp, kernel), inp, doutt)

    return {"scratch": scratch, "torch": pytorch}


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return "unknown"
    return ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}, BLAS: {blas_threads()}")
    print(f"CPU cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    print(f"\nconv2d forward + backward (dx, dw, db), float32, median of {args.repeats}")
    print(f"{'shape':34s} {'scratch ms':>10s} {'torch ms':>9s} {'ratio':>6s}")
    for shape in CONV_SHAPES:
        n, c_in, c_out, size, kernel, padding = shape
        medians = interleaved_medians(conv_pair(*shape), args.repeats)
        label = f"N={n}, {c_in}->{c_out}, {size}x{size}, k={kernel}, pad {padding}"
        print(f"{label:34s} {medians['scratch'] * 1e3:10.2f} {medians['torch'] * 1e3:9.2f} "
              f"{medians['scratch'] / medians['torch']:6.2f}")
    print(f"\nmax_pool2d forward + backward, float32, median of {args.repeats}")
    for shape in POOL_SHAPES:
        n, c, size, kernel = shape
        medians = interleaved_medians(pool_pair(*shape), args.repeats)
        label = f"N={n}, C={c}, {size}x{size}, k=s={kernel}"
        print(f"{label:34s} {medians['scratch'] * 1e3:10.2f} {medians['torch'] * 1e3:9.2f} "
              f"{medians['scratch'] / medians['torch']:6.2f}")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} (above ~2 on 2 cores, other programs competed)")


if __name__ == "__main__":
    main()
