"""Time the scratch engine against PyTorch on the CPU: conv2d and max pooling, forward + backward, float32.

Both run in the same process on the same arrays, interleaved (scratch, torch,
scratch, torch, ...) so that any slowdown of the machine hits both alike;
the script reports the median of each and their ratio. PyTorch keeps its
default number of threads, and NumPy's BLAS its own; both are printed.

Memory: glibc's ``malloc`` hands large freed blocks straight back to the
kernel, so a program that allocates and frees the same large temporaries in
a loop pays for fresh, zeroed pages (page faults) on every call. A training
loop, which keeps its arrays alive, barely sees this (measured: 0.06 s of
system time per LeNet epoch), but this benchmark frees everything after each
call. By default the script therefore asks glibc to keep freed memory
(``mallopt``); this applies to both engines in the process (PyTorch also
faults on the largest shape without it). ``--default-malloc`` skips it.

Run from the repository root::

    python benchmarks/scratch_vs_torch.py [--repeats 30] [--threads 1] [--default-malloc] [--wait-quiet 600]

On a shared machine, ``--wait-quiet`` starts each timing only when the CPU is idle.
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


def interleaved_medians(
    functions: dict[str, Callable[[], object]], repeats: int, warmup: int = 3, quiet: Callable[[], None] | None = None
) -> dict[str, float]:
    """Run the functions in turn ``repeats`` times (after ``warmup`` rounds); median seconds of each.

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
            start = time.perf_counter()
            functions[name]()
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


def report_row(label: str, pair: dict[str, Callable[[], object]], args: argparse.Namespace) -> None:
    """Time one scratch/torch pair and print a row: the two medians in ms and their ratio."""
    gate = QuietGate(args.wait_quiet) if args.wait_quiet > 0 else None
    medians = interleaved_medians(pair, args.repeats, quiet=gate)
    note = gate.note() if gate else ""
    print(f"{label:34s} {medians['scratch'] * 1e3:10.2f} {medians['torch'] * 1e3:9.2f} "
          f"{medians['scratch'] / medians['torch']:6.2f}{note}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--default-malloc", action="store_true", help="leave glibc's malloc settings alone")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both PyTorch and NumPy's BLAS (default: PyTorch's default, and BLAS's)")
    parser.add_argument("--wait-quiet", type=float, default=0,
                        help="before each timing, wait for an idle machine (at most this many seconds per shape)")
    args = parser.parse_args()

    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads, user_api="blas")
    kept = False if args.default_malloc else keep_freed_memory()
    print(f"malloc: {'freed memory kept for reuse (mallopt)' if kept else 'default settings'}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}, BLAS: {blas_threads()}")
    print(f"CPU cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    print(f"\nconv2d forward + backward (dx, dw, db), float32, median of {args.repeats}")
    print(f"{'shape':34s} {'scratch ms':>10s} {'torch ms':>9s} {'ratio':>6s}")
    for shape in CONV_SHAPES:
        n, c_in, c_out, size, kernel, padding = shape
        report_row(f"N={n}, {c_in}->{c_out}, {size}x{size}, k={kernel}, pad {padding}", conv_pair(*shape), args)
    print(f"\nmax_pool2d forward + backward, float32, median of {args.repeats}")
    for shape in POOL_SHAPES:
        n, c, size, kernel = shape
        report_row(f"N={n}, C={c}, {size}x{size}, k=s={kernel}", pool_pair(*shape), args)
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} (above ~2 on 2 cores, other programs competed)")


if __name__ == "__main__":
    main()
