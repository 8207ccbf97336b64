#!/usr/bin/env python3
"""GPU points for E02 (decode) and E03 (prefill), written in attnref's import format.

Times the attention core of every variant in the specs of experiments/E02-decode and
experiments/E03-prefill (their "full" blocks) with PyTorch on a CUDA device, in float16,
bfloat16 and float32, and writes one CSV per (experiment, dtype) under
experiments/<id>/imported/, which `attnref experiment E02|E03` draws beside this CPU's points.

What is timed (the same core the Java kernels time: projections excluded):
  MHA / GQA / MQA, naive MLA, MFA  torch.nn.functional.scaled_dot_product_attention; query
                                   heads grouped onto their key/value head by a view (no
                                   repeat_interleave copy): decode q [B, G, R, D] against
                                   k, v [B, G, S, D]; prefill uses enable_gqa=True (PyTorch
                                   >= 2.5) or, on older versions, an expanded (copied) K/V,
                                   and says so in the "source" column
  absorbed MLA                     the einsum form of DeepSeek-V3 inference/model.py:
                                   scores = q_lat . c_kv + q_rope . k_rope, softmax, o = p . c_kv
  MFA-KR                           keys rotated from the cached k̄ on every call (RoPE,
                                   interleaved pairs, theta 10000), values = k̄

Import format (experiments/README.md): chart, series, x, y, device, dtype, source.
Points are milliseconds per call (median of --repeats after --warmup calls, CUDA events).

Usage:  python3 experiments/gpu/run_gpu.py [--dtypes float16 bfloat16 float32]
                                           [--repeats 20] [--warmup 5] [--max-length N]
Needs: torch with CUDA. Nothing here runs on a machine without a GPU; no result of this
script is claimed in REPORT.md unless its CSVs were committed from a real run.
"""
import argparse
import csv
import json
import math
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERIES = {"gqa": None, "mla-naive": "MLA (naive)", "mla-absorbed": "MLA (absorbed)", "mfa": "MFA",
          "mfa-kr": "MFA-KR"}


def series_name(shape):
    """The legend label the Java runner uses for the same core (CoreShape.label)."""
    if shape["kind"] == "gqa":
        h, g = shape["heads"], shape["kvHeads"]
        return "MHA" if g == h else "MQA" if g == 1 else "GQA"
    return SERIES[shape["kind"]]


def load_spec(experiment_dir):
    with open(os.path.join(ROOT, "experiments", experiment_dir, "spec.json"), encoding="utf-8") as f:
        return json.load(f)["full"]


def core_tensors(torch, shape, length, queries, dtype, device):
    """Random cache and queries for one core, in the layout the timed function expects."""
    g = torch.Generator(device=device).manual_seed(1234)

    def rnd(*size):
        return (torch.rand(*size, generator=g, device=device, dtype=torch.float32) * 2 - 1).to(dtype)

    kind = shape["kind"]
    if kind == "gqa":
        h, kv, d = shape["heads"], shape["kvHeads"], shape["headDim"]
        return {"q": rnd(1, h, queries, d), "k": rnd(1, kv, length, d), "v": rnd(1, kv, length, d)}
    if kind == "mla-naive":
        h, dk, dv = shape["heads"], shape["nopeDim"] + shape["ropeDim"], shape["valueDim"]
        return {"q": rnd(1, h, queries, dk), "k": rnd(1, h, length, dk), "v": rnd(1, h, length, dv)}
    if kind == "mla-absorbed":
        h, c, p = shape["heads"], shape["latentDim"], shape["ropeDim"]
        return {"q_lat": rnd(1, queries, h, c), "q_rope": rnd(1, queries, h, p), "c_kv": rnd(1, length, c),
                "k_rope": rnd(1, length, p)}
    if kind == "mfa":
        h, c = shape["heads"], shape["headDim"]
        return {"q": rnd(1, h, queries, c), "k": rnd(1, 1, length, c), "v": rnd(1, 1, length, c)}
    if kind == "mfa-kr":
        h, c = shape["heads"], shape["headDim"]
        return {"q": rnd(1, h, queries, c), "kbar": rnd(1, 1, length, c)}
    raise ValueError("unknown core kind " + kind)


def rope_interleaved(torch, x, theta=10000.0):
    """Rotate pairs (2i, 2i+1) of the last axis of x [..., S, C] by s * theta^(-2i/C)."""
    s, c = x.shape[-2], x.shape[-1]
    inv = theta ** (-torch.arange(0, c, 2, device=x.device, dtype=torch.float32) / c)
    ang = torch.arange(s, device=x.device, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = b * cos + a * sin
    return out


def make_call(torch, shape, t, causal, note):
    """The timed function for one core; causal prefill when causal, else one decode step."""
    F = torch.nn.functional
    kind = shape["kind"]

    def grouped_sdpa(q, k, v):
        h, kv = q.shape[1], k.shape[1]
        if not causal:
            # decode: the R query heads of a group become R "queries" of that group's key/value head (a view)
            r = h // kv
            out = F.scaled_dot_product_attention(q.reshape(1, kv, r * q.shape[2], q.shape[3]), k, v)
            return out
        if kv == h:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        try:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        except TypeError:
            note.add("prefill K/V expanded by repeat_interleave (PyTorch < 2.5 has no enable_gqa)")
            rep = h // kv
            return F.scaled_dot_product_attention(q, k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1),
                                                  is_causal=True)

    if kind in ("gqa", "mla-naive", "mfa"):
        return lambda: grouped_sdpa(t["q"], t["k"], t["v"])
    if kind == "mfa-kr":
        return lambda: grouped_sdpa(t["q"], rope_interleaved(torch, t["kbar"]), t["kbar"])
    # absorbed MLA, einsum form
    c, p = shape["latentDim"], shape["ropeDim"]
    scale = 1.0 / math.sqrt(shape.get("nopeDim", 128) + p)

    def absorbed():
        scores = (torch.einsum("bshc,btc->bsht", t["q_lat"], t["c_kv"])
                  + torch.einsum("bshr,btr->bsht", t["q_rope"], t["k_rope"])) * scale
        if causal:
            s = scores.shape[1]
            mask = torch.ones(s, s, dtype=torch.bool, device=scores.device).triu(1)
            scores = scores.masked_fill(mask[:, None, :], float("-inf"))
        prob = scores.float().softmax(dim=-1).to(t["c_kv"].dtype)
        return torch.einsum("bsht,btc->bshc", prob, t["c_kv"])

    return absorbed


def time_call(torch, fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def run(torch, experiment, chart, spec_key, causal, dtypes, args):
    spec = load_spec(experiment)
    lengths = [s for s in spec[spec_key] if args.max_length is None or s <= args.max_length]
    device = torch.device("cuda")
    name = torch.cuda.get_device_name(device)
    out_dir = os.path.join(ROOT, "experiments", experiment, "imported")
    os.makedirs(out_dir, exist_ok=True)
    for dtype_name in dtypes:
        dtype = getattr(torch, dtype_name)
        path = os.path.join(out_dir, "gpu_%s_%s.csv" % (name.replace(" ", "_").replace("/", "_"), dtype_name))
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["chart", "series", "x", "y", "device", "dtype", "source"])
            for shape in spec["shapes"]:
                for length in lengths:
                    note = set()
                    t = core_tensors(torch, shape, length, length if causal else 1, dtype, device)
                    ms = time_call(torch, make_call(torch, shape, t, causal, note), args.warmup, args.repeats)
                    source = "experiments/gpu/run_gpu.py, torch %s, CUDA %s%s" % (
                        torch.__version__, torch.version.cuda, "; " + "; ".join(sorted(note)) if note else "")
                    w.writerow([chart, series_name(shape), length, "%.6g" % ms, name, dtype_name, source])
                    print("%s %s %s S=%d: %.4f ms" % (experiment, dtype_name, series_name(shape), length, ms),
                          flush=True)
                    del t
                    torch.cuda.empty_cache()
        print("wrote", os.path.relpath(path, ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtypes", nargs="+", default=["float16", "bfloat16", "float32"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=None, help="skip longer sequences")
    args = parser.parse_args()
    import torch  # imported here so that --help works without torch
    if not torch.cuda.is_available():
        sys.exit("run_gpu.py: no CUDA device; these points must come from a GPU")
    run(torch, "E02-decode", "decode_time", "cacheLengths", False, args.dtypes, args)
    run(torch, "E03-prefill", "prefill_time", "lengths", True, args.dtypes, args)


if __name__ == "__main__":
    main()
