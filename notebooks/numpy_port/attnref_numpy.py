#!/usr/bin/python3
"""attnref_numpy — a second, independent implementation of the attnref golden vectors.

Written from the project's equations (stated in reference-data/README.md) only, not from the Java code:
its own safetensors reader and writer, NumPy einsum formulations of every variant, and the
README's comparison rule. It loads each case of a golden directory, recomputes the outputs from the
stored inputs and weights, and compares them with the expected ones at the case's tolerance.

Script mode (what .ci/checks/golden-numpy.sh runs):

    /usr/bin/python3 notebooks/numpy_port/attnref_numpy.py reference-data/v1
    /usr/bin/python3 notebooks/numpy_port/attnref_numpy.py reference-data/v1 --dtype float32
    /usr/bin/python3 notebooks/numpy_port/attnref_numpy.py reference-data/v1 --write out/   # candidate files
    /usr/bin/python3 notebooks/numpy_port/attnref_numpy.py reference-data/v2   # v2: RoPE scaling rules too
    /usr/bin/python3 notebooks/numpy_port/attnref_numpy.py reference-data/v2 --dtype bfloat16   # low precision

The RoPE scaling rules of v2 (inverse_frequencies) are written from their sources' equations: Hugging Face
transformers' modeling_rope_utils (linear, dynamic, llama3) and DeepSeek-V3's precompute_freqs_cis (yarn).

Low precision (--dtype bfloat16 or float16) judges only the cases stored in that precision (manifest "precision"):
the port computes them as a plain implementation in that precision does, rounding every tensor an operation
produces, and passes when each output's max-abs error is at most 2 x the case's baseline error + floor
(README "Precision"). NumPy has float16 but no bfloat16: bf16 is emulated on uint32 bit patterns (see bf16_round).

Exit status 0 when every case matches, 1 on any mismatch, 2 when a case cannot be read.
Needs only Python 3 and NumPy (Debian's python3-numpy 1.24 is enough).
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

FORMAT = "attnref-golden/1"

# --------------------------------------------------------------------------------------------------
# safetensors: u64 little-endian header length, JSON header, row-major little-endian data
# --------------------------------------------------------------------------------------------------

_NUMPY_DTYPE = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "BOOL": "u1"}


# --------------------------------------------------------------------------------------------------
# bfloat16, emulated: NumPy has no bfloat16 type. A bf16 value is the upper half of a float32 (sign, the
# same 8-bit exponent, 7 mantissa bits), so it is held as a float32 whose low 16 bits are zero.
# --------------------------------------------------------------------------------------------------

def bf16_to_float32(bits):
    """uint16 bf16 bit patterns -> float32 values (exact: the bits become the float32's upper half)."""
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)


def bf16_round(x):
    """x rounded to the nearest bf16 value, ties to even, as float64. Through float32 first (as PyTorch casts a
    double); then on the uint32 bits: add 0x7FFF plus the lowest kept bit (so a tie goes to the even neighbour
    and a carry raises the exponent, up to inf) and clear the 16 dropped bits. NaN is passed through unchanged."""
    f = np.atleast_1d(np.asarray(x, dtype=np.float64).astype(np.float32))
    bits = f.view(np.uint32).astype(np.uint64)
    bias = np.uint64(0x7FFF) + ((bits >> np.uint64(16)) & np.uint64(1))
    rounded = ((bits + bias) & np.uint64(0xFFFF0000)).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(f), f, rounded).astype(np.float64).reshape(np.shape(x))


def fp16_round(x):
    """x rounded to the nearest IEEE binary16 value (NumPy's float16 cast: ties to even, overflow to inf)."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float16).astype(np.float64)


LOW_PRECISION = {"bfloat16": ("bf16", bf16_round), "float16": ("fp16", fp16_round)}


def read_safetensors(path):
    """Returns (tensors, metadata): name -> numpy array (BOOL as numpy bool), and the metadata dict."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header length {n} exceeds the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    covered = []
    for name, entry in header.items():
        dtype = entry["dtype"]
        if dtype not in _NUMPY_DTYPE:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")
        shape = tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64))
        itemsize = np.dtype(_NUMPY_DTYPE[dtype]).itemsize
        if end - begin != count * itemsize or end > len(data):
            raise ValueError(f"{path}: tensor {name} {dtype}{list(shape)} has data_offsets {begin}..{end}")
        array = np.frombuffer(data, dtype=_NUMPY_DTYPE[dtype], count=count, offset=begin).reshape(shape)
        if dtype == "BF16":
            array = bf16_to_float32(array)
        if dtype == "BOOL":
            if array.size and array.max() > 1:
                raise ValueError(f"{path}: BOOL tensor {name} holds a byte other than 0 or 1")
            array = array.astype(bool)
        tensors[name] = array
        covered.append((begin, end))
    position = 0
    for begin, end in sorted(covered):
        if begin != position:
            raise ValueError(f"{path}: tensor data has a gap or overlap at byte {position}")
        position = end
    if position != len(data):
        raise ValueError(f"{path}: tensors cover {position} of {len(data)} data bytes")
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes name -> array (float64, float32, int64 or bool) in ascending name order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name])
        if a.dtype == np.float64:
            code, buf = "F64", a.astype("<f8").tobytes()
        elif a.dtype == np.float32:
            code, buf = "F32", a.astype("<f4").tobytes()
        elif a.dtype == bool:
            code, buf = "BOOL", a.astype("u1").tobytes()
        else:
            code, buf = "I64", a.astype("<i8").tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [offset, offset + len(buf)]}
        chunks.append(buf)
        offset += len(buf)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for buf in chunks:
            f.write(buf)


# --------------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------------

class Case:
    """A case manifest with its payload split into inputs and expected outputs."""

    def __init__(self, manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            m = json.load(f)
        if m.get("format") != FORMAT:
            raise ValueError(f"{manifest_path}: format is {m.get('format')!r}, expected {FORMAT!r}")
        self.manifest = m
        self.id = m["id"]
        self.variant = m["variant"]
        self.config = m["config"]
        payload = os.path.join(os.path.dirname(manifest_path), m["payload"]["file"])
        with open(payload, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if digest != m["payload"]["sha256"]:
            raise ValueError(f"{payload}: sha256 {digest} differs from the manifest's {m['payload']['sha256']}")
        tensors, _ = read_safetensors(payload)
        self.inputs = {e["name"]: tensors[e["name"]] for e in m["inputs"]}
        self.expected = {e["name"]: tensors[e["name"]] for e in m["outputs"]}
        self.error = m.get("expected_error")
        self.tolerance = m["tolerance"]
        self.precision = m.get("precision")        # {"dtype": "bf16"|"fp16", "baseline_error": {...}} or None


class PublishedError(Exception):
    """The published snippet raises here: kind is the Python exception class, stage construct/forward."""

    def __init__(self, kind, stage, message):
        super().__init__(f"{kind} ({stage}): {message}")
        self.kind = kind
        self.stage = stage


def number(value):
    """A config number; "-inf", "inf" and "nan" stand for the non-finite values."""
    if isinstance(value, str):
        return {"-inf": -math.inf, "inf": math.inf, "nan": math.nan}[value]
    return float(value)


# --------------------------------------------------------------------------------------------------
# RoPE scaling (README, "RoPE scaling"): the rotary inverse frequencies of each rule, from its source
# --------------------------------------------------------------------------------------------------

def inverse_frequencies(rotary_dim, theta, scaling, length):
    """omega'_j, j < P/2, for a call whose largest position is length - 1. scaling is the rope_scaling object or None."""
    omega = 1.0 / theta ** (np.arange(0, rotary_dim, 2, dtype=np.float64) / rotary_dim)
    kind = "default" if scaling is None else scaling["rope_type"]
    if kind == "linear":                      # HF _compute_linear_scaling_rope_parameters: inv_freq / factor
        return omega / scaling["factor"]
    if kind == "dynamic":                     # HF _compute_dynamic_ntk_parameters, seq_len = max(L, L0)
        original, factor = scaling["original_max_position_embeddings"], scaling["factor"]
        seq_len = max(length, original)
        base = theta * (factor * seq_len / original - (factor - 1)) ** (rotary_dim / (rotary_dim - 2))
        return 1.0 / base ** (np.arange(0, rotary_dim, 2, dtype=np.float64) / rotary_dim)
    if kind == "llama3":                      # HF _compute_llama3_parameters / llama-models apply_scaling
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_context = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / omega
        llama = np.where(wavelen > old_context / low, omega / factor, omega)
        smooth = (old_context / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < old_context / high) & ~(wavelen > old_context / low)
        return np.where(medium, smoothed, llama)
    if kind == "yarn" and yarn_active(scaling):   # DeepSeek-V3 precompute_freqs_cis
        def correction_dim(rotations):
            return rotary_dim * math.log(scaling["original_seq_len"] / (rotations * 2 * math.pi)) / (2 * math.log(theta))
        low = max(math.floor(correction_dim(scaling["beta_fast"])), 0)
        high = min(math.ceil(correction_dim(scaling["beta_slow"])), rotary_dim - 1)
        if low == high:
            high += 0.001
        smooth = 1 - np.clip((np.arange(rotary_dim // 2, dtype=np.float64) - low) / (high - low), 0, 1)
        return omega / scaling["rope_factor"] * (1 - smooth) + omega * smooth
    return omega


def yarn_active(scaling):
    return scaling is not None and scaling["rope_type"] == "yarn" and scaling["max_seq_len"] > scaling["original_seq_len"]


def yarn_softmax_multiplier(scaling):
    """DeepSeek-V3 MLA.__init__: softmax_scale *= mscale^2, mscale = 0.1*mscale*ln(factor) + 1, when max_seq_len > original."""
    if not yarn_active(scaling):
        return 1.0
    m = 0.1 * scaling["mscale"] * math.log(scaling["rope_factor"]) + 1.0
    return m * m


# --------------------------------------------------------------------------------------------------
# building blocks (dtype-generic: F is np.float64 or np.float32)
# --------------------------------------------------------------------------------------------------

class Ops:
    def __init__(self, dtype):
        self.F = dtype

    def c(self, value):
        """A scalar in the working dtype."""
        return self.F(value)

    def linear(self, x, w, b=None):
        y = x @ w.T
        return y if b is None else y + b

    @staticmethod
    def split(x, n, width):
        """[B, T, n·w] -> [B, n, T, w]."""
        return x.reshape(x.shape[0], x.shape[1], n, width).transpose(0, 2, 1, 3)

    @staticmethod
    def merge(o):
        """[B, n, T, w] -> [B, T, n·w]."""
        return o.transpose(0, 2, 1, 3).reshape(o.shape[0], o.shape[2], -1)

    def softmax(self, logits, empty="zeros"):
        """Softmax over the last axis; rows of only -inf give zeros (or NaN with empty="nan")."""
        m = logits.max(axis=-1, keepdims=True)
        dead = np.isneginf(m)
        safe = np.where(dead, self.c(0), m)
        e = np.exp(logits - safe)
        p = e / e.sum(axis=-1, keepdims=True)
        return np.where(dead, self.c(0) if empty == "zeros" else self.c(np.nan), p)

    def rope(self, x, positions, rotary_dim, theta, pairing, scaling=None):
        """Rotates the first rotary_dim entries of the last axis of x [..., T, W]; row t at positions[t].
        Angles are formed in float64 and their cos/sin rounded to the working dtype. A rope_scaling rule
        serves the call's length, its largest position + 1."""
        half = rotary_dim // 2
        i = np.arange(half, dtype=np.float64)
        if scaling is None:
            omega = theta ** (-2.0 * i / rotary_dim)
        else:
            omega = inverse_frequencies(rotary_dim, theta, scaling, int(np.max(positions)) + 1)
        angle = np.asarray(positions, dtype=np.float64)[:, None] * omega                 # [T, P/2]
        cos = np.cos(angle).astype(self.F)
        sin = np.sin(angle).astype(self.F)
        if pairing == "interleaved":
            a_idx, b_idx = 2 * np.arange(half), 2 * np.arange(half) + 1
        else:
            a_idx, b_idx = np.arange(half), np.arange(half) + half
        out = x.copy()
        xa, xb = x[..., a_idx], x[..., b_idx]
        out[..., a_idx] = xa * cos - xb * sin
        out[..., b_idx] = xb * cos + xa * sin
        return out

    def rms_norm(self, x, eps, weight=None):
        y = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + self.c(eps))
        return y if weight is None else y * weight

    def layer_norm(self, x, eps, weight=None, bias=None):
        mu = x.mean(axis=-1, keepdims=True)
        d = x - mu
        y = d / np.sqrt((d * d).mean(axis=-1, keepdims=True) + self.c(eps))
        if weight is not None:
            y = y * weight
        return y if bias is None else y + bias

    def activation(self, name, x):
        if name == "relu":
            return np.maximum(x, self.c(0))
        if name == "gelu":
            erf = np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64) / math.sqrt(2.0)).astype(self.F)
            return self.c(0.5) * x * (self.c(1) + erf)
        if name == "gelu_tanh":
            k = self.c(math.sqrt(2.0 / math.pi))
            return self.c(0.5) * x * (self.c(1) + np.tanh(k * (x + self.c(0.044715) * x * x * x)))
        if name == "silu":
            return x / (self.c(1) + np.exp(-x))
        raise ValueError(f"unknown activation {name}")

    def attend(self, q, k, v, scale, softcap=0.0, visible=None, additive=None, fill=-math.inf, empty="zeros"):
        """q [B,H,T,D], k [B,G,S,D], v [B,G,S,Dv]; visible bool broadcasting to [B,H,T,S]; additive likewise.
        Returns output [B,H,T,Dv], logits, probabilities [B,H,T,S]."""
        group = q.shape[1] // k.shape[1]
        kk = np.repeat(k, group, axis=1)                       # head h reads kv head h // group
        vv = np.repeat(v, group, axis=1)
        scores = np.einsum("bhtd,bhsd->bhts", q, kk) * self.c(scale)
        if softcap > 0:
            scores = self.c(softcap) * np.tanh(scores / self.c(softcap))
        if additive is not None:
            scores = scores + additive
        if visible is not None:
            scores = np.where(visible, scores, self.c(fill))
        p = self.softmax(scores, empty)
        return np.einsum("bhts,bhsd->bhtd", p, vv), scores, p


class LowOps(Ops):
    """A plain implementation in bf16 or fp16 (README "Precision"): values are held as float64 and every tensor an
    operation produces is rounded to the precision by fl, the operation itself computed in float64, as PyTorch's
    eager operations on bf16/fp16 tensors compute in float32 and round their result once. Only attention has it."""

    def __init__(self, fl):
        super().__init__(np.float64)
        self.fl = fl

    def attend(self, q, k, v, scale, softcap=0.0, visible=None, additive=None, fill=-math.inf, empty="zeros"):
        fl = self.fl
        group = q.shape[1] // k.shape[1]
        kk = np.repeat(fl(k * scale), group, axis=1)           # the scale folded into k, then rounded
        vv = np.repeat(v, group, axis=1)
        scores = fl(np.einsum("bhtd,bhsd->bhts", q, kk))       # one rounding per dot product
        if softcap > 0:
            scores = fl(softcap * fl(np.tanh(fl(scores / softcap))))
        if additive is not None:
            scores = fl(scores + additive)
        if visible is not None:
            scores = np.where(visible, scores, fl(fill))        # the fill cast to the precision: -1e9 is -inf in fp16
        p = fl(self.softmax(scores, empty))
        return fl(np.einsum("bhts,bhsd->bhtd", p, vv)), scores, p


def causal_visible(q_len, kv_len, firsts):
    """[B or 1, 1, T, S] booleans: key s visible to query t iff s <= firsts[b] + t."""
    t = np.arange(q_len)[:, None]
    s = np.arange(kv_len)[None, :]
    firsts = np.asarray(firsts).reshape(-1, 1, 1, 1)
    return s[None, None] <= firsts + t[None, None]


def padding_visible(lengths, kv_len):
    return (np.arange(kv_len)[None, :] < np.asarray(lengths)[:, None])[:, None, None, :]


def bool_visible(mask, convention):
    return mask if convention == "keep_where_true" else ~mask


# --------------------------------------------------------------------------------------------------
# variants
# --------------------------------------------------------------------------------------------------

def run_attention(c, t, ops):
    B, H, G, T = c["batch"], c["num_heads"], c["num_kv_heads"], c["q_len"]
    P, D = c["past_len"], c["head_dim"]
    k, v = t["key"], t["value"]
    if P > 0:
        k = np.concatenate([t["past_key"], k], axis=2)
        v = np.concatenate([t["past_value"], v], axis=2)
    S = k.shape[2]
    visible = np.ones((1, 1, 1, 1), dtype=bool)
    if c["bool_mask"] is not None:
        visible = visible & bool_visible(t["bool_mask"], c["bool_mask"]["convention"])
    causal = c["causal"]
    if causal is not None:
        if "alignment" in causal:
            first = [0 if causal["alignment"] == "top_left" else S - T]
        elif "query_start" in causal:
            first = [causal["query_start"]]
        else:
            first = causal["query_start_per_batch"]
        visible = visible & causal_visible(T, S, first)
    if c["key_lengths"]:
        visible = visible & padding_visible(t["key_lengths"], S)
    visible = np.broadcast_to(visible, (B, H, T, S))
    scale = 1 / math.sqrt(D) if c["scale"] is None else number(c["scale"])
    additive = t["additive_mask"] if c["additive_mask"] is not None else None
    out, logits, p = ops.attend(t["query"], k, v, scale, number(c["softcap"]), visible, additive,
                                number(c["mask_fill"]), c["fully_masked_rows"])
    result = {"output": out, "logits": logits, "probabilities": p}
    if P > 0:
        result["present_key"], result["present_value"] = k, v
    return result


def run_gqa(c, t, ops):
    B, H, G, D, Dv = c["batch"], c["num_heads"], c["num_kv_heads"], c["head_dim"], c["value_head_dim"]
    rope = c["rope"]
    scale = 1 / math.sqrt(D) if c["scale"] is None else number(c["scale"])
    if rope is not None:
        scale *= yarn_softmax_multiplier(rope.get("rope_scaling"))
    x = t["x"]
    cache_k = np.zeros((B, G, 0, D), dtype=ops.F)
    cache_v = np.zeros((B, G, 0, Dv), dtype=ops.F)
    outputs, result, done = [], {}, 0
    for i, n in enumerate(c["steps"]):
        chunk = x[:, done:done + n]
        start = c.get("start_position") if c.get("start_position") is not None else done
        q = ops.split(ops.linear(chunk, t["w_q"], t.get("b_q")), H, D)
        k = ops.split(ops.linear(chunk, t["w_k"], t.get("b_k")), G, D)
        v = ops.split(ops.linear(chunk, t["w_v"], t.get("b_v")), G, Dv)
        if rope is not None:
            positions = np.arange(start, start + n)
            q = ops.rope(q, positions, rope["rotary_dim"], number(rope["theta"]), rope["pairing"], rope.get("rope_scaling"))
            k = ops.rope(k, positions, rope["rotary_dim"], number(rope["theta"]), rope["pairing"], rope.get("rope_scaling"))
        cache_k = np.concatenate([cache_k, k], axis=2)
        cache_v = np.concatenate([cache_v, v], axis=2)
        S = done + n
        visible = np.ones((1, 1, 1, 1), dtype=bool)
        if c["causal"]:
            first = c["causal_query_start"] if c.get("causal_query_start") is not None else (
                0 if c.get("causal_alignment") == "top_left" else done)
            visible = visible & causal_visible(n, S, [first])
        if c.get("bool_mask") is not None:
            visible = visible & bool_visible(t["bool_mask"], c["bool_mask"]["convention"])
        if c.get("key_lengths"):
            visible = visible & padding_visible(t["key_lengths"], S)
        additive = t["additive_mask"] if c.get("additive_mask") is not None else None
        o, _, p = ops.attend(q, cache_k, cache_v, scale, number(c["softcap"]),
                             np.broadcast_to(visible, (B, H, n, S)), additive)
        outputs.append(ops.linear(ops.merge(o), t["w_o"], t.get("b_o")))
        result[f"probabilities.{i}"] = p
        done = S
    result["output"] = np.concatenate(outputs, axis=1)
    result["present_key"], result["present_value"] = cache_k, cache_v
    return result


def run_rope(c, t, ops):
    r = c["rope"]
    return {"output": ops.rope(t["x"], t["positions"], r["rotary_dim"], number(r["theta"]), r["pairing"], r.get("rope_scaling"))}


def run_mla(c, t, ops):
    B, T, _ = t["x"].shape
    H, Cq, C = c["num_heads"], c["q_lora_rank"], c["kv_lora_rank"]
    Dn, P, Dv = c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
    eps, theta, pairing = number(c["rms_eps"]), number(c["rope_theta"]), c["rope_pairing"]
    positions = c["start_position"] + np.arange(T)
    x = t["x"]
    if Cq > 0:
        q = ops.linear(ops.rms_norm(ops.linear(x, t["w_dq"]), eps, t["q_norm"]), t["w_uq"])
    else:
        q = ops.linear(x, t["w_q"])
    q = q.reshape(B, T, H, Dn + P).transpose(0, 2, 1, 3)                     # [B, H, T, Dn+P]
    q_nope = q[..., :Dn]
    scaling = c.get("rope_scaling")
    q_rope = ops.rope(q[..., Dn:], positions, P, theta, pairing, scaling)
    kv = ops.linear(x, t["w_dkv"])                                              # [B, T, C+P]
    latent = ops.rms_norm(kv[..., :C], eps, t["kv_norm"])                      # [B, T, C]
    k_rope = ops.rope(kv[..., C:], positions, P, theta, pairing, scaling)      # [B, T, P]
    w_ukv = t["w_ukv"].reshape(H, Dn + Dv, C)
    w_uk, w_uv = w_ukv[:, :Dn], w_ukv[:, Dn:]                                  # [H, Dn, C], [H, Dv, C]
    # yarn_mscale / yarn_factor state a multiplier alone (absent under a yarn rule, which brings its own)
    mscale = 0.1 * number(c.get("yarn_mscale", 1.0)) * math.log(number(c.get("yarn_factor", 1.0))) + 1.0
    scale = ops.c(mscale * mscale * yarn_softmax_multiplier(scaling) / math.sqrt(Dn + P))
    causal = np.tril(np.ones((T, T), dtype=bool))
    if c["form"] == "absorbed":
        # attention in latent space: q̂ = W_UKᵀ q_nope, values summed as latents, W_UV applied after
        q_latent = np.einsum("bhtn,hnc->bhtc", q_nope, w_uk)
        logits = (np.einsum("bhtc,bsc->bhts", q_latent, latent) + np.einsum("bhtp,bsp->bhts", q_rope, k_rope)) * scale
        logits = np.where(causal, logits, ops.c(-np.inf))
        p = ops.softmax(logits)
        heads = np.einsum("bhtc,hvc->bhtv", np.einsum("bhts,bsc->bhtc", p, latent), w_uv)
    else:
        k_nope = np.einsum("bsc,hnc->bhsn", latent, w_uk)
        v = np.einsum("bsc,hvc->bhsv", latent, w_uv)
        logits = (np.einsum("bhtn,bhsn->bhts", q_nope, k_nope) + np.einsum("bhtp,bsp->bhts", q_rope, k_rope)) * scale
        logits = np.where(causal, logits, ops.c(-np.inf))
        p = ops.softmax(logits)
        heads = np.einsum("bhts,bhsv->bhtv", p, v)
    out = ops.linear(ops.merge(heads), t["w_o"])
    return {"output": out, "logits": logits, "probabilities": p, "latent_cache": latent, "rope_key_cache": k_rope}


def run_mfa(c, t, ops):
    B, T, _ = t["x"].shape
    H, Cdim = c["num_heads"], c["head_dim"]
    eps, theta, pairing = number(c["rms_eps"]), number(c["rope_theta"]), c["rope_pairing"]
    positions = c["start_position"] + np.arange(T)
    x = t["x"]
    q = ops.linear(ops.rms_norm(ops.linear(x, t["s_q"]), eps, t["q_norm"]), t["q_c"])
    q = ops.rope(q.reshape(B, T, H, Cdim).transpose(0, 2, 1, 3), positions, Cdim, theta, pairing)
    k_bar = ops.linear(x, t["s_k"])
    if c["key_reuse"]:
        v = k_bar + t["alpha"] * ops.linear(k_bar, t["n"])
    else:
        v = ops.linear(x, t["s_v"])
    k = ops.rope(k_bar, positions, Cdim, theta, pairing)
    logits = np.einsum("bhtc,bsc->bhts", q, k) * ops.c(1 / math.sqrt(Cdim))
    logits = np.where(np.tril(np.ones((T, T), dtype=bool)), logits, ops.c(-np.inf))
    p = ops.softmax(logits)
    out = ops.linear(ops.merge(np.einsum("bhts,bsc->bhtc", p, v)), t["w_o"])
    cache = k_bar if c["key_reuse"] else np.concatenate([k, v], axis=-1)
    return {"output": out, "logits": logits, "probabilities": p, "cache": cache}


def norm(ops, cfg, t, prefix, x):
    w, b = t.get(prefix + ".weight"), t.get(prefix + ".bias")
    if cfg["kind"] == "rms":
        return ops.rms_norm(x, number(cfg["eps"]), w)
    return ops.layer_norm(x, number(cfg["eps"]), w, b)


def ffn(ops, cfg, t, prefix, x):
    if cfg["kind"] == "swiglu":
        gate = ops.activation("silu", ops.linear(x, t[prefix + ".w_gate"]))
        return ops.linear(gate * ops.linear(x, t[prefix + ".w_up"]), t[prefix + ".w_down"])
    h = ops.activation(cfg["activation"], ops.linear(x, t[prefix + ".w_up"], t.get(prefix + ".b_up")))
    return ops.linear(h, t[prefix + ".w_down"], t.get(prefix + ".b_down"))


def self_attention(ops, cfg, t, prefix, x):
    """Causal self-attention of x [B, T, M] at positions 0 … T−1 (README, "Attention parts"): the GQA
    family (kind absent or "gqa", bias-free projections), or variant mla / mfa with start_position 0
    (and for mla no yarn_mscale / yarn_factor: only its rope_scaling), reading the part's tensors under prefix."""
    kind = cfg.get("kind", "gqa")
    if kind in ("mla", "mfa"):
        part = {name[len(prefix) + 1:]: a for name, a in t.items() if name.startswith(prefix + ".")}
        part["x"] = x
        settings = dict(cfg, start_position=0)
        if kind == "mla":
            return run_mla(settings, part, ops)["output"]
        return run_mfa(settings, part, ops)["output"]
    H, G, D = cfg["num_heads"], cfg["num_kv_heads"], cfg["head_dim"]
    T = x.shape[1]
    q = ops.split(ops.linear(x, t[prefix + ".w_q"]), H, D)
    k = ops.split(ops.linear(x, t[prefix + ".w_k"]), G, D)
    v = ops.split(ops.linear(x, t[prefix + ".w_v"]), G, D)
    rope = cfg["rope"]
    if rope is not None:
        q = ops.rope(q, np.arange(T), rope["rotary_dim"], number(rope["theta"]), rope["pairing"], rope.get("rope_scaling"))
        k = ops.rope(k, np.arange(T), rope["rotary_dim"], number(rope["theta"]), rope["pairing"], rope.get("rope_scaling"))
    o, _, _ = ops.attend(q, k, v, 1 / math.sqrt(D), visible=causal_visible(T, T, [0]))
    return ops.linear(ops.merge(o), t[prefix + ".w_o"])


def block(ops, c, t, prefix, x):
    if c["placement"] == "pre":
        h = x + self_attention(ops, c["attention"], t, prefix + "attn", norm(ops, c["norm"], t, prefix + "norm1", x))
        return h + ffn(ops, c["ffn"], t, prefix + "ffn", norm(ops, c["norm"], t, prefix + "norm2", h))
    h = norm(ops, c["norm"], t, prefix + "norm1", x + self_attention(ops, c["attention"], t, prefix + "attn", x))
    return norm(ops, c["norm"], t, prefix + "norm2", h + ffn(ops, c["ffn"], t, prefix + "ffn", h))


def run_norm(c, t, ops):
    return {"output": norm(ops, c["norm"], t, "norm", t["x"])}


def run_ffn(c, t, ops):
    return {"output": ffn(ops, c["ffn"], t, "ffn", t["x"])}


def run_block(c, t, ops):
    return {"output": block(ops, c, t, "", t["x"])}


def run_generation(c, t, ops):
    """Greedy decoding, recomputing the whole prefix at every step (no cache)."""
    sequence = [int(i) for i in t["prompt"]]
    head = t["embedding.weight"] if c["tied_head"] else t["lm_head.weight"]
    tokens, rows = [], []
    for _ in range(c["steps"]):
        x = t["embedding.weight"][np.asarray(sequence)][None]                  # [1, n, M]
        if c["learned_positions"] > 0:
            x = x + t["positions.weight"][: len(sequence)][None]
        for i in range(c["num_layers"]):
            x = block(ops, c, t, f"blocks.{i}.", x)
        if c["final_norm"]:
            x = norm(ops, c["norm"], t, "final_norm", x)
        logits = x[0, -1] @ head.T
        token = int(np.argmax(logits))                                         # first maximum = lowest id
        tokens.append(token)
        rows.append(logits)
        sequence.append(token)
    return {"tokens": np.asarray(tokens, dtype=np.int64), "logits": np.stack(rows)}


# ---- mirrors ---------------------------------------------------------------------------------------

def published_sqrt(d, c, ops):
    """√d as the snippet computes it: float32 under PyTorch's default dtype when published, else float64."""
    if c["fidelity"] != "fixed" and c.get("torch_default_dtype") == "float32":
        return float(np.sqrt(np.float32(d)))
    return math.sqrt(d)


def zero_dead_rows(p, hidden):
    """Probabilities of rows whose keys are all hidden become 0 (hidden broadcasts to p)."""
    dead = np.broadcast_to(hidden, p.shape).all(axis=-1, keepdims=True)
    return np.where(dead, 0, p).astype(p.dtype)


def run_labml(c, t, ops):
    H, M = c["heads"], c["d_model"]
    dk = M // H

    def project(name, x):
        return ops.linear(x, t[name + ".linear.weight"], t.get(name + ".linear.bias")).reshape(x.shape[0], x.shape[1], H, dk)

    q, k, v = project("query", t["query"]), project("key", t["key"]), project("value", t["value"])
    scores = np.einsum("ibhd,jbhd->ijbh", q, k) * ops.c(1 / math.sqrt(dk))
    if c["mask"] is not None:
        keep = t["mask"][..., None]                                             # [T|1, S, B|1, 1]
        scores = np.where(keep, scores, ops.c(-np.inf))
    m = scores.max(axis=1, keepdims=True)
    e = np.exp(scores - m)                                                      # an all -inf row gives NaN here
    attn = e / e.sum(axis=1, keepdims=True)
    if c["mask"] is not None and c["fidelity"] == "fixed":
        dead = (~np.broadcast_to(keep, scores.shape)).all(axis=1, keepdims=True)
        attn = np.where(dead, ops.c(0), attn)
    x = np.einsum("ijbh,jbhd->ibhd", attn, v).reshape(q.shape[0], q.shape[1], H * dk)
    return {"output": ops.linear(x, t["output.weight"], t["output.bias"]), "attn": attn}


def seed000_kv_attention(c, t, ops, kv_heads):
    """Seed 000's MQA (kv_heads = 1) and GQA forward, published or fixed."""
    M, H = c["hidden_size"], c["num_heads"]
    D = M // H
    x = t["hidden_state"]
    B = x.shape[0]
    q = ops.linear(x, t["q_linear.weight"], t["q_linear.bias"]).reshape(B, -1, H, D).transpose(0, 2, 1, 3)
    k = ops.linear(x, t["k_linear.weight"], t["k_linear.bias"]).reshape(B, -1, kv_heads, D).transpose(0, 2, 1, 3)
    v = ops.linear(x, t["v_linear.weight"], t["v_linear.bias"]).reshape(B, -1, kv_heads, D).transpose(0, 2, 1, 3)
    k, v = np.repeat(k, H // kv_heads, axis=1), np.repeat(v, H // kv_heads, axis=1)
    scores = (q @ k.transpose(0, 1, 3, 2)) / ops.c(published_sqrt(D, c, ops))
    mask = t.get("attention_mask")
    published = c["fidelity"] != "fixed"
    if mask is not None:
        if published:
            scores = scores + mask.astype(ops.F) * ops.c(-1e-9)
        else:
            scores = np.where(mask, ops.c(-np.inf), scores)
    p = ops.softmax(scores) if not published else plain_softmax(scores)
    if mask is not None and not published:
        p = zero_dead_rows(p, mask)
    o = p @ v                                                                  # [B, H, T, D]
    o = o.transpose(0, 1, 3, 2) if published else o.transpose(0, 2, 1, 3)
    o = np.ascontiguousarray(o).reshape(B, -1, H * D)
    return {"output": ops.linear(o, t["o_linear.weight"], t["o_linear.bias"])}


def plain_softmax(scores):
    m = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - m)
    return e / e.sum(axis=-1, keepdims=True)


def run_seed000_mqa(c, t, ops):
    return seed000_kv_attention(c, t, ops, 1)


def run_seed000_gqa(c, t, ops):
    if c["fidelity"] == "as_published":
        raise PublishedError("TypeError", "construct", "super(MutiQueryAttention, self) inside GroupQueryAttention")
    return seed000_kv_attention(c, t, ops, c["group_num"])


def run_seed000_mla(c, t, ops):
    M, H, C = c["d_model"], c["num_heads"], c["kv_latent_dim"]
    hd = M // H
    published = c["fidelity"] == "as_published"
    if published and (c["causal"] or not c["absorbed"]):
        raise PublishedError("TypeError", "forward", "forward() got an unexpected keyword argument")
    x = t["x"]
    B, T, _ = x.shape
    cq = ops.linear(x, t["Wq_d.weight"], t["Wq_d.bias"])
    ckv = ops.linear(x, t["Wkv_d.weight"], t["Wkv_d.bias"])
    if published:
        u = ops.linear(cq, t["W_qk.weight"], t["W_qk.bias"]).reshape(B, T, H, C)
        scores = np.einsum("bthc,bsc->bhts", u, ckv) / ops.c(math.sqrt(C))
    else:
        q = ops.linear(cq, t["Wq_u.weight"], t["Wq_u.bias"]).reshape(B, T, H, hd)
        k = ops.linear(ckv, t["Wk_u.weight"]).reshape(B, T, H, hd)
        scores = np.einsum("bthd,bshd->bhts", q, k) / ops.c(math.sqrt(hd))
        if c["causal"]:
            scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, ops.c(-np.inf))
    p = ops.softmax(scores)
    v = ops.linear(ckv, t["Wv_u.weight"], t["Wv_u.bias"]).reshape(B, T, H, hd)
    o = np.einsum("bhts,bshd->bthd", p, v).reshape(B, T, H * hd)
    return {"output": ops.linear(o, t["Wo.weight"], t["Wo.bias"])}


def run_seed002_mha(c, t, ops):
    M, H = c["hidden_dim"], c["nums_head"]
    D = M // H
    x = t["X"]
    q, k, v = (ops.split(ops.linear(x, t[n + ".weight"], t[n + ".bias"]), H, D) for n in ("q_proj", "k_proj", "v_proj"))
    scores = (q @ k.transpose(0, 1, 3, 2)) / ops.c(math.sqrt(D))
    mask = t.get("attention_mask")
    if mask is not None:
        if c["fidelity"] == "fixed":
            if mask.ndim == 2:
                mask = mask[:, None, None, :]
            scores = np.where(mask, scores, ops.c(-np.inf))
            p = zero_dead_rows(ops.softmax(scores), ~mask)
        else:
            p = plain_softmax(np.where(mask, scores, ops.c(-1e20)))
    else:
        p = plain_softmax(scores)
    return {"output": ops.linear(ops.merge(p @ v), t["o_proj.weight"], t["o_proj.bias"])}


def run_seed002_gqa(c, t, ops):
    M, H, G = c["hidden_dim"], c["nums_head"], c["nums_key_value_head"]
    if M % H != 0 or H % G != 0:
        raise PublishedError("AssertionError", "construct", "hidden_dim % nums_head or nums_head % nums_key_value_head")
    D = M // H
    x = t["X"]
    q = ops.split(ops.linear(x, t["q_proj.weight"], t["q_proj.bias"]), H, D)
    k = np.repeat(ops.split(ops.linear(x, t["k_proj.weight"], t["k_proj.bias"]), G, D), H // G, axis=1)
    v = np.repeat(ops.split(ops.linear(x, t["v_proj.weight"], t["v_proj.bias"]), G, D), H // G, axis=1)
    scores = (q @ k.transpose(0, 1, 3, 2)) / ops.c(math.sqrt(D))
    mask = t.get("attention_mask")
    if mask is not None and c["fidelity"] == "fixed":
        p = zero_dead_rows(ops.softmax(np.where(mask, scores, ops.c(-np.inf))), ~mask)
    else:
        p = plain_softmax(scores)
    return {"output": ops.linear(ops.merge(p @ v), t["o_proj.weight"], t["o_proj.bias"])}


def seed003_attention(q, k, v, mask, fidelity, ops):
    scores = (q @ np.swapaxes(k, -1, -2)) / ops.c(math.sqrt(q.shape[-1]))
    if mask is None:
        p = plain_softmax(scores)
    elif fidelity == "fixed":
        p = zero_dead_rows(ops.softmax(np.where(mask, scores, ops.c(-np.inf))), ~mask)
    else:
        p = plain_softmax(np.where(mask, scores, ops.c(-1e9)))
    return p @ v, p


def run_seed003_mha(c, t, ops):
    M, H = c["d_model"], c["num_heads"]
    if M % H != 0:
        raise PublishedError("AssertionError", "construct", "d_model must be divisible by num_heads")
    dk = M // H
    q, k, v = (ops.split(ops.linear(t[n], t[w + ".weight"], t[w + ".bias"]), H, dk)
               for n, w in (("Q", "W_Q"), ("K", "W_K"), ("V", "W_V")))
    o, p = seed003_attention(q, k, v, t.get("mask"), c["fidelity"], ops)
    return {"output": ops.linear(ops.merge(o), t["W_O.weight"], t["W_O.bias"]), "attention_weights": p}


def run_seed003_bmm(c, t, ops):
    B, H = c["batch"], c["num_heads"]
    if c["fidelity"] == "as_published" and c["input_layout"] == "split_heads" and B > 1 and H > 1 \
            and (c["q_len"] > 1 or c["kv_len"] > 1):
        raise PublishedError("RuntimeError", "forward", "view size is not compatible with input tensor's size and stride")
    o, p = seed003_attention(t["Q"], t["K"], t["V"], t.get("mask"), c["fidelity"], ops)
    return {"output": o, "attention_weights": p}


VARIANTS = {
    "attention": run_attention,
    "gqa": run_gqa,
    "rope": run_rope,
    "mla": run_mla,
    "mfa": run_mfa,
    "norm": run_norm,
    "ffn": run_ffn,
    "decoder_block": run_block,
    "generation": run_generation,
    "mirror.seed000_labml_mha": run_labml,
    "mirror.seed000_mqa": run_seed000_mqa,
    "mirror.seed000_gqa": run_seed000_gqa,
    "mirror.seed000_mla": run_seed000_mla,
    "mirror.seed002_mha": run_seed002_mha,
    "mirror.seed002_gqa": run_seed002_gqa,
    "mirror.seed003_mha": run_seed003_mha,
    "mirror.seed003_sdpa_bmm": run_seed003_bmm,
}


def compute(case, dtype=np.float64, ops=None):
    """The outputs of a case (name -> array), or raises PublishedError."""
    ops = ops or Ops(dtype)
    inputs = {n: (a.astype(ops.F) if a.dtype.kind == "f" else a) for n, a in case.inputs.items()}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return VARIANTS[case.variant](case.config, inputs, ops)


# --------------------------------------------------------------------------------------------------
# comparison (README, "Tolerances")
# --------------------------------------------------------------------------------------------------

def compare(expected, actual, tol):
    """Returns (passed, max_abs_error, count_of_failures)."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape:
        return False, math.inf, e.size
    if expected.dtype.kind in "iub":
        bad = int((np.asarray(expected) != np.asarray(actual)).sum())
        return bad == 0, 0.0, bad
    both_nan = np.isnan(e) & np.isnan(a)
    same_inf = np.isinf(e) & (e == a)
    finite = np.isfinite(e) & np.isfinite(a)
    with np.errstate(invalid="ignore"):
        diff = np.where(finite, np.abs(a - e), 0.0)
    ok = both_nan | same_inf | (finite & (diff <= tol["atol"] + tol["rtol"] * np.abs(np.where(finite, e, 0.0))))
    return bool(ok.all()), float(diff.max()) if diff.size else 0.0, int((~ok).sum())


def check(case, dtype, write_dir=None):
    """Computes one case and compares it. Returns (passed, worst abs error, message)."""
    tol = case.tolerance["float32" if dtype == np.float32 else "float64"]
    try:
        outputs = compute(case, dtype)
    except PublishedError as e:
        if write_dir:
            write_safetensors(os.path.join(write_dir, case.id + ".safetensors"), {},
                              {"error_kind": e.kind, "case": case.id})
        if case.error is None:
            return False, math.inf, f"raised {e.kind} but the case has outputs"
        if case.error["kind"] != e.kind:
            return False, math.inf, f"raised {e.kind}, the case expects {case.error['kind']}"
        return True, 0.0, f"raises {e.kind} ({e.stage}) as expected"
    if case.error is not None:
        return False, math.inf, f"computed outputs, but the published code raises {case.error['kind']}"
    if write_dir:
        write_safetensors(os.path.join(write_dir, case.id + ".safetensors"),
                          {n: outputs[n] for n in case.expected}, {"case": case.id})
    worst, problems = 0.0, []
    for name, expected in case.expected.items():
        if name not in outputs:
            problems.append(f"{name}: not computed")
            continue
        ok, err, bad = compare(expected, outputs[name], tol)
        worst = max(worst, err)
        if not ok:
            problems.append(f"{name}: {bad} elements outside atol {tol['atol']} rtol {tol['rtol']} (max abs {err:.3e})")
    return not problems, worst, "; ".join(problems) if problems else f"max abs error {worst:.3e}"


def low_precision_floor(expected, fl):
    """2 * max |fl(fl(e' + 0.3) - 0.3) - e'|, e' = fl(e), over the finite expected values (FlashAttention's fwd_atol)."""
    e = np.asarray(expected, dtype=np.float64)
    stored = fl(e[np.isfinite(e)])
    return 2 * float(np.abs(fl(fl(stored + 0.3) - 0.3) - stored).max()) if stored.size else 0.0


def check_low(case, dtype, write_dir=None):
    """Low precision: a case stored in that precision, computed as a plain implementation in it would, each output
    judged by max |error| <= 2 * baseline_error + floor. Returns None for a case stored otherwise (no baseline)."""
    label, fl = LOW_PRECISION[dtype]
    if not case.precision or case.precision["dtype"] != label:
        return None
    if case.variant != "attention":
        return False, math.inf, f"variant {case.variant} has no {label} computation in this port"
    outputs = compute(case, ops=LowOps(fl))
    if write_dir:
        write_safetensors(os.path.join(write_dir, case.id + ".safetensors"),
                          {n: outputs[n] for n in case.expected}, {"case": case.id})
    worst, problems = 0.0, []
    for name, expected in case.expected.items():
        bound = 2 * case.precision["baseline_error"][name] + low_precision_floor(expected, fl)
        ok, err, bad = compare(expected, outputs[name], {"atol": bound, "rtol": 0.0})
        worst = max(worst, err)
        if not ok:
            problems.append(f"{name}: {bad} elements beyond 2 x baseline + floor = {bound:.3e} (max abs {err:.3e})")
    return not problems, worst, "; ".join(problems) if problems else f"max abs error {worst:.3e}"


def case_manifests(directory):
    index = os.path.join(directory, "manifest.json")
    with open(index, encoding="utf-8") as f:
        listed = json.load(f)
    return [os.path.join(directory, entry["manifest"]) for entry in listed["cases"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Recompute every golden case with NumPy and compare.")
    parser.add_argument("directory", help="a golden directory with manifest.json, e.g. reference-data/v1")
    parser.add_argument("--dtype", choices=["float64", "float32", "bfloat16", "float16"], default="float64",
                        help="compute in this precision and judge at the case's tolerance for it; bfloat16 and "
                             "float16 judge only the cases stored in that precision, by the low-precision rule")
    parser.add_argument("--write", metavar="DIR", help="also write <id>.safetensors candidate files here")
    parser.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    args = parser.parse_args(argv)
    low = args.dtype in LOW_PRECISION
    dtype = np.float32 if args.dtype == "float32" else np.float64
    if args.write:
        os.makedirs(args.write, exist_ok=True)
    try:
        manifests = case_manifests(args.directory)
    except (OSError, ValueError, KeyError) as e:
        print(f"attnref_numpy: cannot read {args.directory}: {e}", file=sys.stderr)
        return 2
    failed, worst, skipped = 0, 0.0, 0
    for path in manifests:
        try:
            case = Case(path)
        except (OSError, ValueError, KeyError) as e:
            print(f"attnref_numpy: cannot read {path}: {e}", file=sys.stderr)
            return 2
        result = check_low(case, args.dtype, args.write) if low else check(case, dtype, args.write)
        if result is None:
            skipped += 1
            continue
        ok, err, message = result
        if math.isfinite(err):
            worst = max(worst, err)
        failed += 0 if ok else 1
        if not ok or not args.quiet:
            print(f"{'PASS' if ok else 'FAIL'}  {case.id:52s} {message}")
    checked = len(manifests) - skipped
    others = f"; {skipped} cases not stored in {LOW_PRECISION[args.dtype][0]} left out" if low else ""
    print(f"attnref_numpy ({args.dtype}): {checked} cases, {checked - failed} passed, {failed} failed{others}; "
          f"largest absolute difference {worst:.3e}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
