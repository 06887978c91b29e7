"""Where the time of the scratch ``conv2d`` goes, stage by stage (forward + backward, float32).

Every helper that :mod:`cnnbook.scratch.functional.conv` calls (the window
copies of :mod:`.windows`, the matrix products, the reshapes into images) is
wrapped by a timer; the script runs forward + backward ``--repeats`` times at
one shape and prints, for each helper, the median time it took per
forward + backward (all its calls added up) and its interquartile range.
Helpers nest (``_convolve`` calls ``im2col`` and the product): each row is
a helper's own time, without that of the helpers it calls, so the rows add
up to the total, less the time spent in ``conv2d_forward`` and
``conv2d_backward`` themselves (checks, and NumPy calls made there directly),
which is printed as ``(conv2d_* itself)``.

Run from the repository root::

    python benchmarks/conv_stages.py [--shape 64 16 32 14 3 1] [--repeats 30] [--clock cpu] [--threads 1] [--with-torch]

The last column counts page faults: the first touch of memory that the C
library fetched fresh from the operating system, which costs system time.

``--clock cpu`` measures the process's CPU time (all threads added up), which
on a shared machine leaves out the time spent waiting for a core; with more
than one BLAS thread it also counts the time the threads spin waiting for
each other.
"""
from __future__ import annotations

import argparse
import functools
import inspect
import resource
import statistics
import time
from collections import defaultdict

import torch
import torch.nn.functional as TF

from cnnbook.scratch import functional as F
from cnnbook.scratch.functional import conv, windows
from scratch_vs_torch import conv_inputs  # the benchmark's inputs (this folder is on sys.path when run as a script)


def page_faults() -> int:
    """Minor page faults of this process so far (fresh memory touched for the first time)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def wrap_helpers(clock, totals: dict[str, float], faults: dict[str, int]) -> list[str]:
    """Replace each helper in ``conv``'s namespace by a timed wrapper; returns the helpers' names.

    Each helper's own time is added to ``totals[name]``, and its own page
    faults to ``faults[name]``: what the helpers it calls took is subtracted,
    so the rows add up.
    """
    children: list[list[float]] = []  # per active call: [time, faults] of its timed callees
    names = []
    for name, value in list(vars(conv).items()):
        if not inspect.isfunction(value) or name in {"conv2d_forward", "conv2d_backward"}:
            continue
        if value.__module__ not in {conv.__name__, windows.__name__} or name.startswith("_check"):
            continue

        def timed(*args, __f=value, __name=name, **kwargs):
            children.append([0.0, 0])
            start, start_faults = clock(), page_faults()
            try:
                return __f(*args, **kwargs)
            finally:
                elapsed, new_faults = clock() - start, page_faults() - start_faults
                inner_time, inner_faults = children.pop()
                totals[__name] += elapsed - inner_time
                faults[__name] += new_faults - inner_faults
                if children:
                    children[-1][0] += elapsed
                    children[-1][1] += new_faults

        setattr(conv, name, functools.wraps(value)(timed))
        names.append(name)
    return names


def torch_conv(x, w, b, dout, padding):
    """PyTorch's conv2d forward + backward on the same arrays, as in ``scratch_vs_torch.py``."""
    xt, wt, bt, doutt = (torch.from_numpy(a) for a in (x, w, b, dout))

    def step():
        inputs = [t.detach().requires_grad_() for t in (xt, wt, bt)]
        return torch.autograd.grad(TF.conv2d(*inputs, padding=padding), inputs, doutt)

    return step


def blas_threads() -> str:
    from threadpoolctl import threadpool_info

    return ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info() if i["user_api"] == "blas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=6, default=[64, 16, 32, 14, 3, 1],
                        metavar=("N", "C_IN", "C_OUT", "SIZE", "KERNEL", "PADDING"))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--threads", type=int, default=None, help="BLAS and torch threads (default: their own)")
    parser.add_argument("--with-torch", action="store_true",
                        help="run torch's conv2d forward + backward between two calls, as the benchmark does "
                             "(it changes what glibc's malloc keeps, hence the page faults)")
    args = parser.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
        torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    n, c_in, c_out, size, kernel, padding = args.shape
    x, w, b, dout = conv_inputs(n, c_in, c_out, size, kernel, padding)

    totals: dict[str, float] = defaultdict(float)
    faults: dict[str, int] = defaultdict(int)
    names = wrap_helpers(clock, totals, faults)
    per_call: dict[str, list[float]] = defaultdict(list)
    faults_per_call: dict[str, list[int]] = defaultdict(list)
    torch_step = torch_conv(x, w, b, dout, padding) if args.with_torch else None
    for repeat in range(args.repeats + 3):
        if torch_step is not None:
            torch_step()  # as in the benchmark, where torch runs between two scratch calls
        totals.clear()
        faults.clear()
        start, start_faults = clock(), page_faults()
        _, cache = F.conv2d_forward(x, w, b, padding=padding)
        middle = clock()
        F.conv2d_backward(dout, cache)
        end = clock()
        if repeat >= 3:  # warm-up
            all_faults = page_faults() - start_faults
            for name in names:
                per_call[name].append(totals.get(name, 0.0))
                faults_per_call[name].append(faults.get(name, 0))
            per_call["(conv2d_* itself)"].append(end - start - sum(totals.values()))
            faults_per_call["(conv2d_* itself)"].append(all_faults - sum(faults.values()))
            faults_per_call["= forward + backward"].append(all_faults)
            per_call["= forward"].append(middle - start)
            per_call["= backward"].append(end - middle)
            per_call["= forward + backward"].append(end - start)

    print(f"conv2d N={n}, {c_in}->{c_out}, {size}x{size}, k={kernel}, p={padding}, float32; "
          f"{args.clock} time{', torch between calls' if args.with_torch else ''}; BLAS: {blas_threads()}")
    print(f"  {'helper':26s} {'ms: median (IQR)':>22s} {'page faults':>12s}")
    for name, values in per_call.items():
        if not any(values):
            continue
        q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
        touched = f"{statistics.median(faults_per_call[name]):12.0f}" if name in faults_per_call else ""
        print(f"  {name:26s} {q2 * 1e3:7.2f} ({q1 * 1e3:5.2f}-{q3 * 1e3:5.2f}) {touched}")


if __name__ == "__main__":
    main()
