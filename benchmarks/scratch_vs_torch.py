"""Time the scratch engine against PyTorch on the CPU: conv2d, max and average pooling, forward + backward, float32.

Both run in the same process on the same arrays, interleaved (scratch, torch,
torch, scratch, ...) so that any slowdown of the machine hits both alike.
The script prints one table: for each engine the median time over the
repeats and its spread (the interquartile range, first to third quartile),
then the ratio of the medians and the interquartile range of the per-round
ratios (scratch / torch within the same round). PyTorch keeps its default
number of threads, and NumPy's BLAS its own, unless ``--threads`` is given;
both are printed.

Memory: glibc's ``malloc`` hands large freed blocks straight back to the
kernel, so a program that allocates and frees the same large temporaries in
a loop pays for fresh, zeroed pages (page faults) on every call. A training
loop, which keeps its arrays alive, barely sees this (measured: 0.06 s of
system time per LeNet epoch), but this benchmark frees everything after each
call. The script keeps glibc's default settings, as a reader's notebook
runs; ``--mallopt`` asks glibc to keep freed memory instead, for both
engines in the process (PyTorch also faults on the largest shape without it).
Run it both ways to see how much of a gap is the allocator.

Run from the repository root::

    python benchmarks/scratch_vs_torch.py [--repeats 30] [--threads 1] [--mallopt] [--only conv] [--wait-quiet 600]

On a shared machine, ``--wait-quiet`` starts each timing only when the CPU is
idle, and ``--clock cpu`` (best with ``--threads 1``) measures the CPU time
the process used instead of the wall-clock time, which leaves out the time
spent waiting for a core.
"""
from __future__ import annotations

import argparse
import ctypes
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


def interleaved_times(
    functions: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 3,
    quiet: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Run the functions in turn ``repeats`` times (after ``warmup`` rounds); the seconds of each call, per function.

    The order alternates from one round to the next (A B, B A, ...), so that
    neither function always runs first. ``quiet``, if given, is called before
    each timed call (to wait for an idle machine).
    """
    for _ in range(warmup):
        for f in functions.values():
            f()
    times: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else names[::-1]:
            if quiet is not None:
                quiet()
            start = clock()
            functions[name]()
            times[name].append(clock() - start)
    return times


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile of ``values``."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def conv_inputs(n: int, c_in: int, c_out: int, size: int, kernel: int,
                padding: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded float32 input ``n x c_in x size x size``, weights, bias and an upstream gradient for one conv shape."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, size, size), dtype=np.float32)
    w = (rng.standard_normal((c_out, c_in, kernel, kernel)) / np.sqrt(c_in * kernel * kernel)).astype(np.float32)
    b = rng.standard_normal(c_out, dtype=np.float32)
    out, _ = F.conv2d_forward(x, w, b, padding=padding)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    return x, w, b, dout


def conv_pair(n: int, c_in: int, c_out: int, size: int, kernel: int, padding: int) -> dict[str, Callable[[], object]]:
    x, w, b, dout = conv_inputs(n, c_in, c_out, size, kernel, padding)
    xt, wt, bt, doutt = (torch.from_numpy(a) for a in (x, w, b, dout))

    def scratch() -> object:
        _, cache = F.conv2d_forward(x, w, b, padding=padding)
        return F.conv2d_backward(dout, cache)

    def pytorch() -> object:
        inputs = [t.detach().requires_grad_() for t in (xt, wt, bt)]  # gradients for x, w and b, as scratch
        out_t = TF.conv2d(*inputs, padding=padding)
        return torch.autograd.grad(out_t, inputs, doutt)

    return {"scratch": scratch, "torch": pytorch}


def pool_pair(kind: str, n: int, c: int, size: int, kernel: int) -> dict[str, Callable[[], object]]:
    """``kind`` is ``"max"`` or ``"avg"``."""
    forward, backward = {
        "max": (F.max_pool2d_forward, F.max_pool2d_backward),
        "avg": (F.avg_pool2d_forward, F.avg_pool2d_backward),
    }[kind]
    reference = {"max": TF.max_pool2d, "avg": TF.avg_pool2d}[kind]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, size, size), dtype=np.float32)
    out, _ = forward(x, kernel)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    xt, doutt = torch.from_numpy(x), torch.from_numpy(dout)

    def scratch() -> object:
        _, cache = forward(x, kernel)
        return backward(dout, cache)

    def pytorch() -> object:
        inp = xt.detach().requires_grad_()
        return torch.autograd.grad(reference(inp, kernel), inp, doutt)

    return {"scratch": scratch, "torch": pytorch}


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the kernel.

    Returns whether it worked (not on other C libraries).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(libc.mallopt(m_mmap_threshold, 1 << 30) and libc.mallopt(m_trim_threshold, 2**31 - 1))


def cpu_idle_fraction(seconds: float = 1.0) -> float:
    """Fraction of the machine's CPU time that was idle over the next ``seconds`` (Linux)."""

    def read() -> list[int]:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:]]

    before = read()
    time.sleep(seconds)
    after = read()
    delta = [a - b for a, b in zip(after, before)]
    return (delta[3] + delta[4]) / max(sum(delta), 1)  # idle + iowait


class QuietGate:
    """Before each timing, wait until the other programs leave the CPU idle.

    On a shared machine, other programs steal the cores in the middle of a
    timing, and multi-threaded code (BLAS, PyTorch) suffers most. The gate
    samples ``/proc/stat`` for ``sample`` seconds and lets the timing start
    once at least 90 % of the CPU time was idle, waiting at most ``limit``
    seconds in all; it counts the timings that had to start on a busy machine.
    """

    def __init__(self, limit: float, sample: float = 0.25) -> None:
        self.deadline = time.perf_counter() + limit
        self.sample, self.busy_rounds, self.rounds = sample, 0, 0

    def __call__(self) -> None:
        self.rounds += 1
        while time.perf_counter() < self.deadline:
            if cpu_idle_fraction(self.sample) >= 0.9:
                return
        self.busy_rounds += 1

    def note(self) -> str:
        if not self.rounds:
            return ""
        return f" ({self.rounds - self.busy_rounds}/{self.rounds} timings started on an idle machine)"


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return "unknown"
    return ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas")


HEADER = (f"{'layer':9s} {'shape':30s} {'scratch ms (IQR)':>24s} {'torch ms (IQR)':>24s} "
          f"{'ratio':>6s} {'ratio IQR':>11s}")


def report_row(layer: str, label: str, pair: dict[str, Callable[[], object]], args: argparse.Namespace) -> None:
    """Time one scratch/torch pair and print a row of the table.

    The row gives each engine's median and interquartile range in ms, the
    ratio of the medians, and the interquartile range of the per-round ratios.
    """
    gate = QuietGate(args.wait_quiet) if args.wait_quiet > 0 else None
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times = interleaved_times(pair, args.repeats, quiet=gate, clock=clock)
    ours, theirs = quartiles(times["scratch"]), quartiles(times["torch"])
    ratios = quartiles([a / b for a, b in zip(times["scratch"], times["torch"])])
    note = gate.note() if gate else ""

    def cell(q: tuple[float, float, float]) -> str:
        return f"{q[1] * 1e3:7.2f} ({q[0] * 1e3:.2f}-{q[2] * 1e3:.2f})"

    print(f"{layer:9s} {label:30s} {cell(ours):>24s} {cell(theirs):>24s} {ours[1] / theirs[1]:6.2f} "
          f"{ratios[0]:5.2f}-{ratios[2]:<5.2f}{note}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--mallopt", action="store_true",
                        help="ask glibc's malloc to keep freed memory (default: glibc's default settings)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both PyTorch and NumPy's BLAS (default: PyTorch's default, and BLAS's)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall-clock time (default), or the process's CPU time, which on a busy machine "
                             "leaves out the time spent waiting for a core (all threads added up)")
    parser.add_argument("--only", choices=["conv", "max", "avg"], action="append",
                        help="time only these layers (repeatable; default: all)")
    parser.add_argument("--wait-quiet", type=float, default=0,
                        help="before each timing, wait for an idle machine (at most this many seconds per shape)")
    args = parser.parse_args()
    layers = args.only or ["conv", "max", "avg"]

    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads, user_api="blas")
    kept = keep_freed_memory() if args.mallopt else False
    print(f"malloc: {'freed memory kept for reuse (mallopt)' if kept else 'default settings'}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}, BLAS: {blas_threads()}")
    print(f"CPU cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    print(f"\nforward + backward, float32, {args.clock} time, median (interquartile range) "
          f"of {args.repeats} interleaved repeats")
    print(HEADER)
    if "conv" in layers:
        for shape in CONV_SHAPES:
            n, c_in, c_out, size, kernel, padding = shape
            label = f"N={n}, {c_in}->{c_out}, {size}x{size}, k={kernel}, p={padding}"
            report_row("conv2d", label, conv_pair(*shape), args)
    for kind in ("max", "avg"):
        if kind in layers:
            for shape in POOL_SHAPES:
                n, c, size, kernel = shape
                report_row(f"{kind}_pool", f"N={n}, C={c}, {size}x{size}, k=s={kernel}", pool_pair(kind, *shape), args)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} (above ~2 on 2 cores, other programs competed)")


if __name__ == "__main__":
    main()
