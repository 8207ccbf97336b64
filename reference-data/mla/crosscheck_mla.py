#!/usr/bin/python3
"""Independent float64 cross-check of attnref's MLA and MFA oracles, written from docs/MATH.md.

Computes, with PyTorch tensor operations in float64 (not a translation of the Java loops):

* naive MLA     every head's key k_C,i = W_UK,i c_kv and value v_i = W_UV,i c_kv are formed;
* absorbed MLA  the run-time re-association of DeepSeek-V3 ``inference/model.py``
                (``attn_impl = "absorb"``): q_C,i is moved into latent space, W_UK,iᵀ q_C,i, and
                dotted with the cached c_kv; W_UV,i is applied after the weighted sum of c_kv;
* MFA           one shared key/value head of width C, low-rank query, RoPE on q and k;
* MFA-KR        v = (I + diag(α) N) k̄ with k̄ the pre-RoPE key.

All attention is causal with top-left alignment: token t of a chunk of T tokens sits at absolute
position ``startPosition + t`` and sees tokens s ≤ t.

Usage
-----
    crosscheck_mla.py                      read crosscheck_inputs.json, write crosscheck_outputs.json
    crosscheck_mla.py --check              recompute and exit 1 if crosscheck_outputs.json drifted
    crosscheck_mla.py --inputs F --outputs G [--check]

Inputs (``crosscheck_inputs.json``; written by the Java test ``MlaCrosscheckTest``)
----------------------------------------------------------------------------------
    {
      "format": "attnref-mla-crosscheck-inputs/1",
      "cases": [ CASE, ... ]
    }
    CASE = {
      "id": str, "family": "mla" | "mfa" | "mfa-kr", "batch": B, "seqLen": T,
      "config":  mla: {"modelWidth": M, "numHeads": H, "qLoraRank": C_q (0 = none), "kvLoraRank": C,
                       "qkNopeHeadDim": D_nope, "qkRopeHeadDim": P, "vHeadDim": Dv}
                 mfa, mfa-kr: {"modelWidth": M, "numHeads": H, "queryRank": C_q, "headDim": C},
      "options": {"ropeTheta": θ, "ropePairing": "interleaved" | "split_halves",
                  "startPosition": int, "rmsEps": ε,
                  mla only: "yarnMscale": m, "yarnFactor": f (1 = no YaRN)},
      "x": [B·T·M numbers, row-major [B, T, M]],
      "weights": {name: [numbers, row-major]}   (PyTorch Linear layout [out, in])
    }
    MLA weights:  wDq [C_q, M], qNorm [C_q], wUq [H·(D_nope+P), C_q]   (when C_q > 0)
                  wQ [H·(D_nope+P), M]                                   (when C_q = 0)
                  wDkv [C+P, M], kvNorm [C], wUkv [H·(D_nope+Dv), C], wO [M, H·Dv]
                  Query rows of head i: [D_nope "nope" rows | P "rope" rows]; wDkv rows: [C latent | P rope key];
                  wUkv rows of head i: [D_nope key rows | Dv value rows] (DeepSeek-V3 model.py layout).
    MFA weights:  sQ [C_q, M], qNorm [C_q], qC [H·C, C_q], sK [C, M], wO [M, H·C], and
                  sV [C, M] (mfa) or alpha [C], n [C, C] (mfa-kr).

Outputs (``crosscheck_outputs.json``)
-------------------------------------
    {
      "format": "attnref-mla-crosscheck-outputs/1",
      "producer": "reference-data/mla/crosscheck_mla.py (PyTorch, float64)",
      "cases": [ {"id", "family",
                  "output": [B, T, M], "logits": [B, H, T, T] (null where masked, i.e. −∞),
                  "probabilities": [B, H, T, T],
                  "cache": mla [B, T, C+P] = [c_kv | RoPE(k_R)]; mfa [B, T, 2C] = [RoPE(k̄) | v];
                           mfa-kr [B, T, C] = k̄,
                  mla only: "absorbedOutput" [B, T, M], "absorbedLogits" [B, H, T, T]} ]
    }
    All arrays flat, row-major. Numbers are written with Python's repr (shortest round-trip).

--check recomputes every case, fails if any value differs from the committed file by more than
1e-12 · max(1, |committed|), and fails if absorbed and naive MLA differ by more than that (docs/MATH.md:
they agree to ~1e-16 relative in float64).
"""

import argparse
import json
import math
import os
import sys

import torch

DTYPE = torch.float64
TOLERANCE = 1e-12
HERE = os.path.dirname(os.path.abspath(__file__))


def tensor(values, *shape):
    t = torch.tensor(values, dtype=DTYPE)
    if t.numel() != math.prod(shape):
        raise ValueError(f"expected {math.prod(shape)} values for shape {list(shape)}, got {t.numel()}")
    return t.reshape(*shape)


def rms_norm(x, weight, eps):
    """RMSNorm(x) = x / sqrt(mean(x²) + ε) ⊙ w over the last axis."""
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * weight


def rope(x, positions, theta, pairing):
    """Rotate the last axis (width P) of x [B, T, ..., P]; token t at positions[t].

    Pair j turns by φ = pos · θ^(−2j/P). "interleaved" pairs (2j, 2j+1), done as a complex
    product (DeepSeek's formulation); "split_halves" pairs (j, j + P/2), done with rotate_half
    (HF Llama's formulation).
    """
    width = x.shape[-1]
    inv_freq = theta ** (-torch.arange(0, width, 2, dtype=DTYPE) / width)           # [P/2]
    angles = torch.outer(positions.to(DTYPE), inv_freq)                               # [T, P/2]
    extra = x.dim() - 3                                                               # axes between T and P
    angles = angles.reshape(angles.shape[0], *([1] * extra), angles.shape[1])
    if pairing == "interleaved":
        pairs = torch.view_as_complex(x.reshape(*x.shape[:-1], width // 2, 2).clone(memory_format=torch.contiguous_format))
        turned = pairs * torch.polar(torch.ones_like(angles), angles)
        return torch.view_as_real(turned).reshape(x.shape)
    if pairing == "split_halves":
        cos = torch.cat([angles.cos(), angles.cos()], dim=-1)
        sin = torch.cat([angles.sin(), angles.sin()], dim=-1)
        first, second = x[..., : width // 2], x[..., width // 2:]
        return x * cos + torch.cat([-second, first], dim=-1) * sin
    raise ValueError(f"ropePairing {pairing!r}: expected 'interleaved' or 'split_halves'")


def causal_softmax(scores):
    """scores [B, H, T, T] → (logits with −∞ above the diagonal, probabilities)."""
    length = scores.shape[-1]
    hidden = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
    logits = scores.masked_fill(hidden, float("-inf"))
    return logits, torch.softmax(logits, dim=-1)


def mla(case):
    cfg, opt, w = case["config"], case["options"], case["weights"]
    B, T = case["batch"], case["seqLen"]
    M, H = cfg["modelWidth"], cfg["numHeads"]
    Cq, C = cfg["qLoraRank"], cfg["kvLoraRank"]
    Dn, P, Dv = cfg["qkNopeHeadDim"], cfg["qkRopeHeadDim"], cfg["vHeadDim"]
    eps = opt["rmsEps"]
    positions = opt["startPosition"] + torch.arange(T)
    x = tensor(case["x"], B, T, M)

    # Query: q = W_UQ · RMSNorm(W_DQ x), or W_Q x; per head [q_C | q_R].
    if Cq > 0:
        c_q = rms_norm(x @ tensor(w["wDq"], Cq, M).T, tensor(w["qNorm"], Cq), eps)
        q = c_q @ tensor(w["wUq"], H * (Dn + P), Cq).T
    else:
        q = x @ tensor(w["wQ"], H * (Dn + P), M).T
    q = q.reshape(B, T, H, Dn + P)
    q_c, q_r = q[..., :Dn], rope(q[..., Dn:], positions, opt["ropeTheta"], opt["ropePairing"])

    # Latent: [c̃_kv | k̃_R] = W_DKV x; c_kv = RMSNorm(c̃_kv); k_R = RoPE(k̃_R), shared by all heads.
    down = x @ tensor(w["wDkv"], C + P, M).T
    c_kv = rms_norm(down[..., :C], tensor(w["kvNorm"], C), eps)                       # [B, T, C]
    k_r = rope(down[..., C:], positions, opt["ropeTheta"], opt["ropePairing"])         # [B, T, P]

    w_ukv = tensor(w["wUkv"], H, Dn + Dv, C)
    w_uk, w_uv = w_ukv[:, :Dn, :], w_ukv[:, Dn:, :]                                    # [H, Dn, C], [H, Dv, C]
    w_o = tensor(w["wO"], M, H * Dv)
    scale = (0.1 * opt["yarnMscale"] * math.log(opt["yarnFactor"]) + 1.0) ** 2 / math.sqrt(Dn + P)
    rope_scores = torch.einsum("bthp,bsp->bhts", q_r, k_r)

    # Naive: form every head's key and value.
    k_c = torch.einsum("hnc,bsc->bshn", w_uk, c_kv)
    v = torch.einsum("hvc,bsc->bshv", w_uv, c_kv)
    logits, p = causal_softmax(scale * (torch.einsum("bthn,bshn->bhts", q_c, k_c) + rope_scores))
    o = torch.einsum("bhts,bshv->bthv", p, v).reshape(B, T, H * Dv)
    output = o @ w_o.T

    # Absorbed: q into latent space, weighted sum of c_kv, then W_UV.
    q_latent = torch.einsum("bthn,hnc->bthc", q_c, w_uk)
    absorbed_logits, absorbed_p = causal_softmax(
        scale * (torch.einsum("bthc,bsc->bhts", q_latent, c_kv) + rope_scores))
    o_latent = torch.einsum("bhts,bsc->bthc", absorbed_p, c_kv)
    absorbed = torch.einsum("bthc,hvc->bthv", o_latent, w_uv).reshape(B, T, H * Dv) @ w_o.T

    return {
        "output": output, "logits": logits, "probabilities": p,
        "cache": torch.cat([c_kv, k_r], dim=-1),
        "absorbedOutput": absorbed, "absorbedLogits": absorbed_logits,
    }


def mfa(case, key_reuse):
    cfg, opt, w = case["config"], case["options"], case["weights"]
    B, T = case["batch"], case["seqLen"]
    M, H, Cq, C = cfg["modelWidth"], cfg["numHeads"], cfg["queryRank"], cfg["headDim"]
    positions = opt["startPosition"] + torch.arange(T)
    x = tensor(case["x"], B, T, M)

    # q = Q_c · RMSNorm(S_Q x), H heads of width C; k̄ = S_K x, one shared head.
    c_q = rms_norm(x @ tensor(w["sQ"], Cq, M).T, tensor(w["qNorm"], Cq), opt["rmsEps"])
    q = (c_q @ tensor(w["qC"], H * C, Cq).T).reshape(B, T, H, C)
    k_bar = x @ tensor(w["sK"], C, M).T                                                 # [B, T, C]
    if key_reuse:
        # v = (I + diag(α) N) k̄
        mix = torch.eye(C, dtype=DTYPE) + torch.diag(tensor(w["alpha"], C)) @ tensor(w["n"], C, C)
        v = k_bar @ mix.T
    else:
        v = x @ tensor(w["sV"], C, M).T
    q = rope(q, positions, opt["ropeTheta"], opt["ropePairing"])
    k = rope(k_bar, positions, opt["ropeTheta"], opt["ropePairing"])

    logits, p = causal_softmax(torch.einsum("bthc,bsc->bhts", q, k) / math.sqrt(C))
    o = torch.einsum("bhts,bsc->bthc", p, v).reshape(B, T, H * C)
    output = o @ tensor(w["wO"], M, H * C).T
    cache = k_bar if key_reuse else torch.cat([k, v], dim=-1)
    return {"output": output, "logits": logits, "probabilities": p, "cache": cache}


def compute(case):
    family = case["family"]
    if family == "mla":
        return mla(case)
    if family in ("mfa", "mfa-kr"):
        return mfa(case, key_reuse=family == "mfa-kr")
    raise ValueError(f"case {case['id']}: family {family!r}: expected 'mla', 'mfa' or 'mfa-kr'")


def flat(t):
    """Flat list of floats; −∞ (masked logits) becomes None, JSON null."""
    return [None if v == float("-inf") else v for v in t.reshape(-1).tolist()]


def outputs_for(inputs):
    cases = []
    for case in inputs["cases"]:
        result = compute(case)
        entry = {"id": case["id"], "family": case["family"]}
        entry.update({name: flat(value) for name, value in result.items()})
        cases.append(entry)
    return {
        "format": "attnref-mla-crosscheck-outputs/1",
        "producer": "reference-data/mla/crosscheck_mla.py (PyTorch, float64)",
        "cases": cases,
    }


def dumps(value, indent=0):
    """JSON with objects one key a line and number arrays on one line each."""
    pad = "  " * indent
    if isinstance(value, dict):
        items = [f'{pad}  {json.dumps(k)}: {dumps(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(pad + "  " + dumps(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, allow_nan=False)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


def check(recomputed, committed):
    problems = []
    committed_cases = {c["id"]: c for c in committed["cases"]}
    for case in recomputed["cases"]:
        old = committed_cases.get(case["id"])
        if old is None:
            problems.append(f"case {case['id']}: missing from the committed outputs")
            continue
        for name, values in case.items():
            if name in ("id", "family"):
                continue
            if name not in old or len(old[name]) != len(values):
                problems.append(f"case {case['id']}: {name} missing or of another length in the committed outputs")
                continue
            for i, (new, ref) in enumerate(zip(values, old[name])):
                if not close(new, ref):
                    problems.append(f"case {case['id']}: {name}[{i}] = {new!r}, committed {ref!r}")
                    break
        if case["family"] == "mla":
            for naive, absorbed in (("output", "absorbedOutput"), ("logits", "absorbedLogits")):
                for i, (a, b) in enumerate(zip(case[absorbed], case[naive])):
                    if not close(a, b):
                        problems.append(f"case {case['id']}: {absorbed}[{i}] = {a!r} but naive {naive} = {b!r}")
                        break
    if len(committed["cases"]) != len(recomputed["cases"]):
        problems.append(f"committed outputs hold {len(committed['cases'])} cases; inputs give {len(recomputed['cases'])}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", default=os.path.join(HERE, "crosscheck_inputs.json"))
    parser.add_argument("--outputs", default=os.path.join(HERE, "crosscheck_outputs.json"))
    parser.add_argument("--check", action="store_true", help="recompute and fail if the outputs file drifted")
    args = parser.parse_args()
    with open(args.inputs, encoding="utf-8") as f:
        inputs = json.load(f)
    if inputs.get("format") != "attnref-mla-crosscheck-inputs/1":
        sys.exit(f"{args.inputs}: format {inputs.get('format')!r}; expected 'attnref-mla-crosscheck-inputs/1'")
    recomputed = outputs_for(inputs)
    if args.check:
        with open(args.outputs, encoding="utf-8") as f:
            problems = check(recomputed, json.load(f))
        if problems:
            print("\n".join(problems), file=sys.stderr)
            sys.exit(1)
        print(f"{args.outputs}: {len(recomputed['cases'])} cases reproduce within {TOLERANCE} "
              "(and absorbed MLA matches naive)")
        return
    with open(args.outputs, "w", encoding="utf-8") as f:
        f.write(dumps(recomputed) + "\n")
    print(f"wrote {args.outputs} ({len(recomputed['cases'])} cases)")


if __name__ == "__main__":
    main()
