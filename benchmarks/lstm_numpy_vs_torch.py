"""The course's numpy LSTM (forward + backward) against torch.nn.LSTM on the CPU.

The numpy code is the reference solution itself: the solution cells of
solutions/04_lstm_backward/04_lstm_backward.ipynb (which holds `lstm_forward`, `lstm_backward`
and the given `sigmoid`) are executed here, not copied. Both sides get the same float32 inputs
(B=64, T=100, D=H=128 by default) and the same weights, and compute the same things: hs, and
the gradients of sum(hs * dhs) w.r.t. x, h0, c0 and every weight. The results are compared
before any timing; then the two are timed alternately (numpy, torch, numpy, ...) so that a
change in machine load hits both, and the medians and their ratio numpy / torch are printed.

    .venv/bin/python benchmarks/lstm_numpy_vs_torch.py [--repeats 7] [--threads 1] [--json out.json]

On a busy machine use --threads 1: multi-threaded BLAS and OpenMP spin-wait when the cores are
taken by other processes, which makes timings swing by a factor of ten.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
from pathlib import Path

import nbformat
import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "solutions" / "04_lstm_backward" / "04_lstm_backward.ipynb"
CELLS = ("given_sigmoid", "lstm_forward_code", "lstm_backward_code")   # grade_ids, in this order
NAMES = {"W_ih": "weight_ih_l0", "W_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}


def load_solution(path: Path = NOTEBOOK) -> dict:
    """Execute the reference solution's cells; return their namespace (lstm_forward, ...)."""
    nb = nbformat.read(str(path), as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    missing = [g for g in CELLS if g not in by_id]
    if missing:
        raise SystemExit(f"{path.relative_to(REPO)} has no cell(s) {missing}")
    namespace = {"np": np}
    for grade_id in CELLS:
        exec(compile(by_id[grade_id].source, f"{path.name}:{grade_id}", "exec"), namespace)
    return namespace


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
        return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"), default=None)
    except ImportError:
        return None


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--input-size", type=int, default=128)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each (at least 5)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, help="threads for both: torch's intra-op threads and numpy's "
                        "BLAS (through threadpoolctl); default: each library's own choice")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    B, T, D, H = args.batch, args.steps, args.input_size, args.hidden_size
    repeats = max(5, args.repeats)
    limits = contextlib.nullcontext()
    if args.threads:
        torch.set_num_threads(args.threads)
        from threadpoolctl import threadpool_limits   # installed with scikit-learn
        limits = threadpool_limits(limits=args.threads, user_api="blas")
    with limits:
        return _run(args, B, T, D, H, repeats)


def _run(args, B, T, D, H, repeats) -> dict:
    """Check that numpy and torch agree, then time them alternately; print and return the results."""
    solution = load_solution()
    lstm_forward, lstm_backward = solution["lstm_forward"], solution["lstm_backward"]

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(D, H, batch_first=True)                      # float32, CPU
    params = {k: getattr(lstm, n).detach().numpy().copy() for k, n in NAMES.items()}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    h0 = (0.5 * rng.standard_normal((B, H))).astype(np.float32)
    c0 = rng.standard_normal((B, H)).astype(np.float32)
    dhs = rng.standard_normal((B, T, H)).astype(np.float32)
    x_t, h0_t, c0_t = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, h0, c0))
    dhs_t = torch.from_numpy(dhs.copy())

    def run_numpy():
        hs, _, cache = lstm_forward(x, h0, c0, params)
        return hs, lstm_backward(dhs, cache)

    def run_torch():
        for p in (x_t, h0_t, c0_t, *lstm.parameters()):
            p.grad = None
        hs, _ = lstm(x_t, (h0_t[None], c0_t[None]))
        hs.backward(dhs_t)
        return hs

    # the same results first (float32: a relative tolerance of 1e-3 of the largest entry)
    hs_np, (dx, dh0, dc0, grads) = run_numpy()
    hs_t = run_torch()
    pairs = {"hs": (hs_np, hs_t.detach().numpy()), "dx": (dx, x_t.grad.numpy()),
             "dh0": (dh0, h0_t.grad.numpy()), "dc0": (dc0, c0_t.grad.numpy()),
             **{f"d{k}": (grads[k], getattr(lstm, n).grad.numpy()) for k, n in NAMES.items()}}
    errors = {}
    for name, (mine, theirs) in pairs.items():
        assert mine.dtype == np.float32, f"{name} has dtype {mine.dtype}, expected float32"
        errors[name] = float(np.max(np.abs(mine - theirs)) / max(1e-30, np.max(np.abs(theirs))))
        if errors[name] > 1e-3:
            raise SystemExit(f"numpy and torch disagree on {name}: relative error {errors[name]:.1e}")

    for _ in range(args.warmup):
        run_numpy()
        run_torch()
    times = {"numpy": [], "torch": []}
    for _ in range(repeats):                                            # interleaved
        for name, fn in (("numpy", run_numpy), ("torch", run_torch)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)

    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["numpy"] / med["torch"]
    result = {
        "shape": {"B": B, "T": T, "D": D, "H": H}, "dtype": "float32", "repeats": repeats,
        "median_seconds": med, "all_seconds": times, "ratio_numpy_over_torch": ratio,
        "max_relative_error": max(errors.values()),
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "blas_threads": _blas_threads(),
                    "numpy": np.__version__, "torch": torch.__version__, "python": platform.python_version()},
    }
    print(f"LSTM forward + backward, B={B} T={T} D={D} H={H}, float32, {repeats} interleaved runs each "
          f"({os.cpu_count()} CPUs; threads: torch {torch.get_num_threads()}, numpy BLAS {_blas_threads()})")
    print(f"  results agree: largest relative difference {result['max_relative_error']:.1e}")
    for name in ("numpy", "torch"):
        spread = f"{min(times[name]) * 1e3:.1f}-{max(times[name]) * 1e3:.1f}"
        print(f"  {name:5s} median {med[name] * 1e3:8.1f} ms   (range {spread} ms)")
    print(f"  ratio numpy / torch: {ratio:.2f}  (goal: at most 1.5)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
