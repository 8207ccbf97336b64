#!/usr/bin/python3
"""Independent float64 NumPy computation of RoPE frequency scaling, written from the rules' equations.

For every case of ``cases.json`` it computes the scaled inverse frequencies ω'_j (j < P/2), DeepSeek's
softmax-scale multiplier (YaRN only), how many pairs fall in each regime, and the rotary embedding of a
fixed input in both pairings. ``RopeScalingCrosscheckTest`` checks attnref's ``core.RopeScaling`` and
``core.Rope`` against the committed ``outputs.json``; this script, run by ``.ci/checks/rope-scaling.sh``,
recomputes the outputs and fails on drift. It is vectorised NumPy, not a translation of the Java loops.

Rules (ω_j = θ^(−2j/P), wavelength λ_j = 2π/ω_j):

* ``default``  ω' = ω.
* ``linear``   ω' = ω / factor (positions divided by the factor). arXiv 2306.15595; HF transformers
               ``modeling_rope_utils._compute_linear_scaling_rope_parameters``.
* ``dynamic``  with L = max(positions) + 1 and L₀ = original_max_position_embeddings, when L > L₀ the base
               becomes θ·(factor·L/L₀ − (factor − 1))^(P/(P−2)). HF ``_compute_dynamic_ntk_parameters``.
* ``yarn``     DeepSeek-V3 ``inference/model.py`` ``precompute_freqs_cis`` (arXiv 2309.00071), active when
               max_seq_len > original_seq_len: d(β) = P·ln(L₀/(2πβ)) / (2 ln θ); lo = max(⌊d(β_fast)⌋, 0),
               hi = min(⌈d(β_slow)⌉, P − 1), hi += 0.001 if equal; ramp r = clip((j − lo)/(hi − lo), 0, 1);
               ω' = ω·(1 − r) + (ω/factor)·r; softmax scale × (0.1·mscale·ln factor + 1)².
* ``llama3``   meta-llama ``apply_scaling`` / HF ``_compute_llama3_parameters``: λ < L₀/high keeps ω,
               λ > L₀/low gives ω/factor, otherwise s = (L₀/λ − low)/(high − low) and
               ω' = (1 − s)·ω/factor + s·ω.

Rotation of pair (a, b) by φ = pos·ω'_j: a' = a cos φ − b sin φ, b' = b cos φ + a sin φ; interleaved pairs
(2j, 2j+1) are rotated here as complex numbers, split halves (j, j + P/2) with rotate-half.

Usage
-----
    crosscheck_rope_scaling.py           read cases.json, write outputs.json
    crosscheck_rope_scaling.py --check   recompute; exit 1 if outputs.json drifted or lists other cases

Tolerances (--check and the Java test): inverse frequencies and the multiplier to 1e-14 relative (a few
roundings of pow, products and one blend); rotated values to 1e-15·(1 + pos)·max|x| absolute, because the
angle pos·ω' carries an absolute error of about pos·ω'·2⁻⁵² (ω' ≤ 1) before its cosine is taken.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases.json")
OUTPUTS = os.path.join(HERE, "outputs.json")
FREQUENCY_RELATIVE = 1e-14
ROTATION_PER_POSITION = 1e-15


def base_frequencies(width, theta):
    return 1.0 / np.power(theta, np.arange(0, width, 2, dtype=np.float64) / width)


def yarn(omega, width, theta, cfg):
    """Returns (ω', multiplier, regimes) for DeepSeek-V3's rule."""
    if cfg["max_seq_len"] <= cfg["original_seq_len"]:
        return omega, 1.0, None
    factor = cfg["rope_factor"]

    def turns_to_index(beta):
        return width * math.log(cfg["original_seq_len"] / (2 * math.pi * beta)) / (2 * math.log(theta))

    lo = max(math.floor(turns_to_index(cfg["beta_fast"])), 0)
    hi = min(math.ceil(turns_to_index(cfg["beta_slow"])), width - 1)
    if lo == hi:
        hi += 0.001
    r = np.clip((np.arange(width // 2, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    m = 0.1 * cfg["mscale"] * math.log(factor) + 1.0
    regimes = {"kept": int(np.sum(r == 0)), "blended": int(np.sum((r > 0) & (r < 1))), "scaled": int(np.sum(r == 1))}
    return omega * (1 - r) + (omega / factor) * r, m * m, regimes


def llama3(omega, cfg):
    factor, low, high = cfg["factor"], cfg["low_freq_factor"], cfg["high_freq_factor"]
    original = cfg["original_max_position_embeddings"]
    wavelength = 2 * math.pi / omega
    short = wavelength < original / high
    long = wavelength > original / low
    s = (original / wavelength - low) / (high - low)
    blended = (1 - s) * omega / factor + s * omega
    regimes = {"kept": int(short.sum()), "blended": int((~short & ~long).sum()), "scaled": int(long.sum())}
    return np.where(short, omega, np.where(long, omega / factor, blended)), regimes


def frequencies(case):
    """(ω', softmax multiplier, regimes or None) for one case."""
    width, theta, cfg = case["rotary_dim"], case["rope_theta"], case["rope_scaling"]
    kind = cfg["rope_type"]
    omega = base_frequencies(width, theta)
    if kind == "default":
        return omega, 1.0, None
    if kind == "linear":
        return omega / cfg["factor"], 1.0, None
    if kind == "dynamic":
        length = max(case["positions"]) + 1
        original = cfg["original_max_position_embeddings"]
        if length <= original:
            return omega, 1.0, None
        grown = theta * (cfg["factor"] * length / original - (cfg["factor"] - 1)) ** (width / (width - 2))
        return base_frequencies(width, grown), 1.0, None
    if kind == "yarn":
        return yarn(omega, width, theta, cfg)
    if kind == "llama3":
        scaled, regimes = llama3(omega, cfg)
        return scaled, 1.0, regimes
    raise ValueError(f"{case['id']}: rope_type {kind!r}: expected default, linear, dynamic, yarn or llama3")


def input_rows(case):
    t = np.arange(len(case["positions"]))[:, None]
    d = np.arange(case["rotary_dim"])[None, :]
    return ((7 * d + 3 * t + 1) % 11 - 5) / 4.0                                     # [T, P]


def rotate(x, positions, omega):
    angles = np.outer(np.asarray(positions, dtype=np.float64), omega)               # [T, P/2]
    pairs = x[:, 0::2] + 1j * x[:, 1::2]                                             # (2j, 2j+1) as complex
    turned = pairs * np.exp(1j * angles)
    interleaved = np.empty_like(x)
    interleaved[:, 0::2], interleaved[:, 1::2] = turned.real, turned.imag
    half = x.shape[1] // 2
    cos, sin = np.tile(np.cos(angles), 2), np.tile(np.sin(angles), 2)
    rotate_half = np.concatenate([-x[:, half:], x[:, :half]], axis=1)
    return interleaved, x * cos + rotate_half * sin


def compute(case):
    omega, multiplier, regimes = frequencies(case)
    x = input_rows(case)
    interleaved, split = rotate(x, case["positions"], omega)
    return {"id": case["id"], "inverse_frequencies": omega.tolist(), "softmax_scale_multiplier": multiplier,
            "regimes": regimes, "interleaved": interleaved.ravel().tolist(), "split_halves": split.ravel().tolist()}


def drift(case, fresh, committed):
    """Messages for every value of ``fresh`` outside tolerance of ``committed``; also returns max |Δ|."""
    bad, worst = [], 0.0
    for key in ("inverse_frequencies", "softmax_scale_multiplier"):
        a, b = np.atleast_1d(fresh[key]), np.atleast_1d(np.asarray(committed[key], dtype=np.float64))
        if a.shape != b.shape or np.any(np.abs(a - b) > FREQUENCY_RELATIVE * np.abs(b)):
            bad.append(f"{case['id']}: {key} drifted: {b.tolist()} committed, {a.tolist()} now")
    if fresh["regimes"] != committed["regimes"]:
        bad.append(f"{case['id']}: regimes {committed['regimes']} committed, {fresh['regimes']} now")
    scale = np.abs(input_rows(case)).max()
    bound = (ROTATION_PER_POSITION * (1 + np.asarray(case["positions"], dtype=np.float64)) * scale)[:, None]
    for key in ("interleaved", "split_halves"):
        a = np.asarray(fresh[key]).reshape(len(case["positions"]), -1)
        b = np.asarray(committed[key], dtype=np.float64).reshape(a.shape)
        worst = max(worst, float(np.abs(a - b).max()))
        if np.any(np.abs(a - b) > bound):
            bad.append(f"{case['id']}: {key} drifted by up to {np.abs(a - b).max():.3g}")
    return bad, worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="recompute and fail if outputs.json drifted")
    args = parser.parse_args()
    with open(CASES, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    fresh = [compute(case) for case in cases]
    if not args.check:
        with open(OUTPUTS, "w", encoding="utf-8") as f:
            json.dump({"format": "attnref-rope-scaling-outputs/1",
                       "producer": "reference-data/rope-scaling/crosscheck_rope_scaling.py (NumPy, float64)",
                       "cases": fresh}, f, indent=1)
            f.write("\n")
        print(f"rope-scaling: wrote {len(fresh)} cases to {OUTPUTS}")
        return 0
    with open(OUTPUTS, encoding="utf-8") as f:
        committed = {c["id"]: c for c in json.load(f)["cases"]}
    bad, worst = [], 0.0
    if sorted(committed) != sorted(c["id"] for c in cases):
        bad.append(f"outputs.json lists {sorted(committed)}; cases.json lists {sorted(c['id'] for c in cases)}")
    for case, now in zip(cases, fresh):
        if case["id"] in committed:
            messages, largest = drift(case, now, committed[case["id"]])
            bad += messages
            worst = max(worst, largest)
    if bad:
        print("rope-scaling: " + "\n  ".join(bad), file=sys.stderr)
        return 1
    print(f"rope-scaling: {len(cases)} cases agree with outputs.json (rotated values: max |Δ| {worst:.3g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
