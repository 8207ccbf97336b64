#!/usr/bin/env python3
"""Times seed 003's claim C-BMM-FASTER in PyTorch: its scaled_dot_product_attention with torch.matmul
(§ MultiHeadAttention) against its "optimised" torch.bmm version (§7), both as fixed in
reference-data/seeds/fixed_code.py (the published bmm version raises for B, H, T > 1: S003-BMM-VIEW).
With no mask the fixes do not touch the timed arithmetic: the matmul version is the published one, and
the bmm version differs from the published one only by reshape instead of view.

    /usr/bin/python3 experiments/E07-seed-bugs/bmm_vs_matmul.py [--runs 15] [--quick]

Inputs arrive as the article's MultiHeadAttention hands them over, [B, H, T, d_k] views of
[B, T, H·d_k] projections (split_heads: view + transpose, not contiguous), and, to separate the
layout from the function, as contiguous copies. Float32, no mask, T = S.
For each (threads, B, T) the two functions run in alternating rounds (the leader alternates), after
warm-up; medians with min and max go to results/bmm_vs_matmul.csv (quick: quick/results/), stamped
with commit, torch version, CPU and thread count. Outputs are checked equal (max |Δ| ≤ 1e-5) first.
"""
import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "reference-data", "seeds"))

import torch  # noqa: E402  (Debian's python3-torch)

import fixed_code  # noqa: E402

HEADS = 8
HEAD_DIM = 64


def seed_functions():
    """The two functions, executed from the fixed seed code (the article's own lines)."""
    mha = {}
    exec(fixed_code.S003_MHA, mha)
    bmm = {}
    exec(fixed_code.S003_BMM, bmm)
    model = mha["MultiHeadAttention"](HEADS * HEAD_DIM, HEADS)
    return model.scaled_dot_product_attention, bmm["scaled_dot_product_attention_optimized"]


def heads(batch, length, generator, layout):
    """[B, H, T, d_k] as split_heads returns it (a transposed view of [B, T, H·d_k]), or a contiguous copy."""
    x = torch.randn(batch, length, HEADS * HEAD_DIM, generator=generator, dtype=torch.float32)
    view = x.view(batch, length, HEADS, HEAD_DIM).transpose(1, 2)
    return view if layout == "split_heads_view" else view.contiguous()


def time_pair(matmul_fn, bmm_fn, q, k, v, warmups, runs):
    fns = [("matmul", matmul_fn), ("bmm", bmm_fn)]
    samples = {name: [] for name, _ in fns}
    with torch.no_grad():
        for _ in range(warmups):
            for _, fn in fns:
                fn(q, k, v)
        for r in range(runs):
            order = fns if r % 2 == 0 else fns[::-1]
            for name, fn in order:
                start = time.perf_counter()
                fn(q, k, v)
                samples[name].append((time.perf_counter() - start) * 1e3)
    return samples


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="B ∈ {1, 8}, T = 128, 7 runs")
    args = parser.parse_args()
    runs = 7 if args.quick else args.runs
    batches = [1, 8] if args.quick else [1, 4, 16]
    lengths = [128] if args.quick else [128, 256]
    matmul_fn, bmm_fn = seed_functions()
    generator = torch.Generator().manual_seed(20240601)
    out_dir = os.path.join(HERE, "quick", "results") if args.quick else os.path.join(HERE, "results")
    os.makedirs(out_dir, exist_ok=True)
    rows = []
    stamp = [commit(), "torch " + torch.__version__, cpu_model()]
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in batches:
            for length, layout in ((t, l) for t in lengths for l in ("split_heads_view", "contiguous")):
                q, k, v = (heads(batch, length, generator, layout) for _ in range(3))
                with torch.no_grad():
                    a, _ = matmul_fn(q, k, v)
                    b, _ = bmm_fn(q, k, v)
                diff = (a - b).abs().max().item()
                if not diff <= 1e-5:
                    raise SystemExit(f"matmul and bmm versions disagree at B={batch}, T={length}: max |Δ| = {diff}")
                samples = time_pair(matmul_fn, bmm_fn, q, k, v, warmups=3, runs=runs)
                medians = {name: statistics.median(s) for name, s in samples.items()}
                for name, s in samples.items():
                    rows.append([name, layout, batch, HEADS, length, HEAD_DIM, runs, f"{statistics.median(s):.4f}",
                                 f"{min(s):.4f}", f"{max(s):.4f}", f"{medians['matmul'] / medians[name]:.4f}",
                                 f"{diff:.3e}", *stamp, threads, "quick" if args.quick else "full"])
                print(f"threads={threads} B={batch:3d} T={length:4d} {layout:16s}: matmul {medians['matmul']:8.3f} ms, "
                      f"bmm {medians['bmm']:8.3f} ms, bmm speed-up {medians['matmul'] / medians['bmm']:.2f}×", flush=True)
    path = os.path.join(out_dir, "bmm_vs_matmul.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["function", "layout", "B", "H", "T", "d_k", "runs", "median_ms", "min_ms", "max_ms",
                    "speedup_vs_matmul", "max_abs_diff", "commit", "runtime", "cpu", "threads", "mode"])
        w.writerows(rows)
    print("wrote", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
