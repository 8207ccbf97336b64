#!/usr/bin/python3
"""PyTorch as an independent oracle for dev.attnref.core.Tensor.

Enumerates seeded cases of the semantics that are easiest to get subtly wrong and records what
PyTorch does, in torch_cases.json beside this file. TorchOracleTest replays every case on Tensor.

  view         base shape → a sequence of view-producing ops (transpose, permute, narrow, expand,
               unsqueeze) → the resulting shape, strides, storage offset and elements; then
               whether .view(target) succeeds and, if so, its strides; and .reshape(target)'s
               strides and whether it shares storage.
  matmul, bmm  operand shapes (the right one optionally a transposed view) → result shape and
               values, or failure. Operands hold small integers, so every product is exact.
  broadcast    a − b over two shapes → result shape and values, or failure.
  repeatInterleave, cat, softmax
               inputs → values (softmax compared with a tolerance: ATen's vectorised exp and
               reciprocal-multiply differ from a scalar loop in the last bits).

Run with Debian's interpreter, which has torch:  /usr/bin/python3 make_torch_cases.py
  --check  recompute and compare with the committed file; exit status 1 on any difference.
The output depends only on SEED and on torch's semantics, not on the machine.
"""
import argparse
import json
import math
import pathlib
import random
import sys

import torch

SEED = 20240611
OUT = pathlib.Path(__file__).resolve().parent / "torch_cases.json"


# ---------------------------------------------------------------- helpers

def number(x):
    """JSON has no ±∞ or NaN: those travel as the strings Java's Double.parseDouble reads."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def values(t):
    return [number(float(v)) for v in t.reshape(-1).tolist()]


def small_ints(rng, shape):
    n = math.prod(shape)
    return [float(rng.randint(-3, 3)) for _ in range(n)]


def tensor(flat, shape):
    return torch.tensor(flat, dtype=torch.float64).reshape(shape)


def attempt(fn):
    """(result, None) or (None, exception text): failure is data here, not an error."""
    try:
        return fn(), None
    except RuntimeError as e:  # torch reports shape errors as RuntimeError
        return None, str(e).splitlines()[0]


# ---------------------------------------------------------------- view-producing op sequences

def random_shape(rng, rank, lo=1, hi=4):
    return [rng.randint(lo, hi) for _ in range(rank)]


def random_op(rng, shape):
    """One view-producing op applicable to `shape`, as a JSON-able list."""
    rank = len(shape)
    kinds = ["unsqueeze"]
    if rank >= 2:
        kinds += ["transpose", "transpose", "permute", "permute"]
    if any(s >= 2 for s in shape):
        kinds += ["narrow", "narrow"]
    if any(s == 1 for s in shape) or rank <= 3:
        kinds += ["expand", "expand"]
    kind = rng.choice(kinds)
    if kind == "transpose":
        d0, d1 = rng.sample(range(rank), 2)
        # Negative axes half of the time: the Java side must count them from the end.
        return ["transpose", d0 - rank if rng.random() < 0.5 else d0, d1]
    if kind == "permute":
        order = list(range(rank))
        rng.shuffle(order)
        return ["permute", order]
    if kind == "narrow":
        d = rng.choice([i for i, s in enumerate(shape) if s >= 2])
        length = rng.randint(1, shape[d] - 1)
        start = rng.randint(0, shape[d] - length)
        return ["narrow", d, start, length]
    if kind == "unsqueeze":
        return ["unsqueeze", rng.randint(-rank - 1, rank)]
    # expand: stretch some size-1 axes, maybe add leading axes, maybe write −1 for a kept size.
    sizes = []
    for s in shape:
        if s == 1 and rng.random() < 0.7:
            sizes.append(rng.randint(2, 3))
        else:
            sizes.append(-1 if rng.random() < 0.3 else s)
    lead = [rng.randint(1, 3) for _ in range(rng.choice([0, 0, 1]) if shape else rng.randint(1, 2))]
    return ["expand", lead + sizes]


def apply_op(t, op):
    kind = op[0]
    if kind == "transpose":
        return t.transpose(op[1], op[2])
    if kind == "permute":
        return t.permute(*op[1])
    if kind == "narrow":
        return t.narrow(op[1], op[2], op[3])
    if kind == "unsqueeze":
        return t.unsqueeze(op[1])
    if kind == "expand":
        return t.expand(*op[1])
    raise ValueError(op)


def factorizations(rng, n, parts):
    """A random ordered factorisation of n into `parts` factors (size-1 factors allowed)."""
    out = [1] * parts
    m = n
    p = 2
    primes = []
    while m > 1:
        while m % p == 0:
            primes.append(p)
            m //= p
        p += 1
    for q in primes:
        out[rng.randrange(parts)] *= q
    return out


def random_target(rng, shape, numel):
    if numel == 0:
        target = random_shape(rng, rng.randint(1, 3), 1, 3)
        target[rng.randrange(len(target))] = 0
        return target
    r = rng.random()
    if r < 0.45 and len(shape) >= 2:
        # Merge two adjacent axes: succeeds only if they are contiguous with each other.
        i = rng.randrange(len(shape) - 1)
        target = shape[:i] + [shape[i] * shape[i + 1]] + shape[i + 2:]
    elif r < 0.65 and shape:
        # Split one axis into two factors (always viewable).
        i = rng.randrange(len(shape))
        a, b = factorizations(rng, shape[i], 2)
        target = shape[:i] + [a, b] + shape[i + 1:]
    elif r < 0.75:
        target = [numel]
    else:
        target = factorizations(rng, numel, rng.randint(1, 4))
    if rng.random() < 0.3:
        target[rng.randrange(len(target))] = -1
    return target


def view_case(rng, index):
    rank = 0 if index % 40 == 21 else rng.randint(1, 4)  # a few 0-d bases
    base = random_shape(rng, rank, 1, 4)
    if index % 40 == 7:
        base[rng.randrange(rank)] = 0  # a few empty tensors: strides are arbitrary there
    ops = []
    t = torch.arange(math.prod(base), dtype=torch.float64).reshape(tuple(base))
    for _ in range(rng.randint(1, 3)):
        op = random_op(rng, list(t.shape))
        t = apply_op(t, op)
        ops.append(op)
    return record_view_case(base, ops, random_target(rng, list(t.shape), t.numel()))


# Hand-picked corners the random walk rarely reaches.
EDGE_VIEWS = [
    ([0, 3], [["transpose", 0, 1]], [3, 0]),        # empty, same shape: torch keeps the strides
    ([2, 0, 3], [["permute", [2, 0, 1]]], [3, 2, 0]),
    ([0, 3], [["transpose", 0, 1]], [0, 3]),        # empty, new shape: contiguous strides
    ([2, 3], [["transpose", 0, 1]], [3, 2]),        # same shape, non-contiguous
    ([2, 3], [["transpose", 0, 1]], [6]),           # the seed-003 failure in miniature
    ([4], [["expand", [3, 4]]], [12]),
    ([4], [["expand", [3, 4]]], [3, 2, 2]),
    ([], [], [1, 1]),
    ([], [], []),
    ([1, 1], [], []),
    ([], [["expand", [1, 1]]], [1]),
    ([2, 3, 4], [["narrow", 2, 1, 2]], [6, 2]),
    ([2, 3, 4], [["narrow", 1, 1, 2]], [4, 4]),
    ([2, 3, 4], [["narrow", 1, 1, 2]], [2, 8]),
    ([2, 1, 4], [["transpose", 0, 1]], [8]),        # moving a size-1 axis keeps viewability
]


def record_view_case(base, ops, target):
    t = torch.arange(math.prod(base), dtype=torch.float64).reshape(tuple(base))
    for op in ops:
        t = apply_op(t, op)
    shape = list(t.shape)
    viewed, view_error = attempt(lambda: t.view(tuple(target)))
    reshaped = t.reshape(tuple(target))
    case = {
        "base": base,
        "ops": ops,
        "shape": shape,
        "strides": list(t.stride()),
        "offset": t.storage_offset(),
        "values": values(t),
        "target": target,
        "viewOk": view_error is None,
        "reshapeShape": list(reshaped.shape),
        "reshapeStrides": list(reshaped.stride()),
        "reshapeIsView": reshaped.data_ptr() == t.data_ptr() and t.numel() > 0,
    }
    if view_error is None:
        case["viewShape"] = list(viewed.shape)
        case["viewStrides"] = list(viewed.stride())
    else:
        case["viewError"] = view_error
    return case


# ---------------------------------------------------------------- matmul, bmm, broadcast

MATMUL_SHAPES = [
    ([3], [3]),                      # 1-D · 1-D → 0-D
    ([3], [3, 2]),                   # 1-D left: [1,3]@[3,2] → [2]
    ([2, 3], [3]),                   # 1-D right → [2]
    ([2, 3], [3, 4]),
    ([2, 1, 3, 4], [5, 4, 2]),       # batch [2,1] × [5] → [2,5]
    ([4], [2, 4, 3]),                # 1-D left against a batch → [2,3]
    ([2, 3, 4], [4]),                # batch against 1-D right → [2,3]
    ([1, 2, 3], [4, 3, 2]),
    ([3], [4]),                      # fails: inner 3 vs 4
    ([2, 3], [2, 3]),                # fails
    ([2, 2, 3], [3, 3, 1]),          # fails: batch 2 vs 3
    ([0, 3], [3, 2]),                # empty rows
    ([2, 0], [0, 3]),                # empty inner axis: zeros
]


def matmul_case(rng, a_shape, b_shape, transpose_b):
    a_flat = small_ints(rng, a_shape)
    if transpose_b and len(b_shape) >= 2:
        stored = b_shape[:-2] + [b_shape[-1], b_shape[-2]]
        b_flat = small_ints(rng, stored)
        b = tensor(b_flat, stored).transpose(-1, -2)
    else:
        transpose_b = False
        stored = b_shape
        b_flat = small_ints(rng, stored)
        b = tensor(b_flat, stored)
    a = tensor(a_flat, a_shape)
    out, error = attempt(lambda: torch.matmul(a, b))
    case = {"a": a_flat, "aShape": a_shape, "b": b_flat, "bStoredShape": stored, "bTransposed": transpose_b,
            "ok": error is None}
    if error is None:
        case["outShape"] = list(out.shape)
        case["out"] = values(out)
    else:
        case["error"] = error
    return case


def random_matmul_shapes(rng):
    ra, rb = rng.randint(1, 4), rng.randint(1, 4)
    n, k, m = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 3)
    batch_rank = max(ra, rb) - 2
    batch = [rng.randint(2, 3) for _ in range(max(batch_rank, 0))]

    def batch_for(rank):
        own = batch[len(batch) - (rank - 2):] if rank > 2 else []
        return [1 if rng.random() < 0.3 else s for s in own]

    a = [k] if ra == 1 else batch_for(ra) + [n, k]
    b = [k] if rb == 1 else batch_for(rb) + [k, m]
    if rng.random() < 0.12:
        b[-1 if rb == 1 else -2] += 1  # inner mismatch
    return a, b


BMM_SHAPES = [
    ([2, 2, 3], [2, 3, 4]),
    ([1, 2, 3], [1, 3, 1]),
    ([2, 2, 3], [1, 3, 4]),          # fails: bmm does not broadcast
    ([2, 3], [3, 4]),                # fails: not 3-D
    ([2, 2, 3], [2, 2, 4]),          # fails: inner
]


def bmm_case(rng, a_shape, b_shape):
    a_flat, b_flat = small_ints(rng, a_shape), small_ints(rng, b_shape)
    out, error = attempt(lambda: torch.bmm(tensor(a_flat, a_shape), tensor(b_flat, b_shape)))
    case = {"a": a_flat, "aShape": a_shape, "b": b_flat, "bShape": b_shape, "ok": error is None}
    if error is None:
        case["outShape"] = list(out.shape)
        case["out"] = values(out)
    else:
        case["error"] = error
    return case


def broadcast_case(rng):
    ra, rb = rng.randint(0, 3), rng.randint(0, 3)
    full = random_shape(rng, max(ra, rb), 2, 3)
    a = [1 if rng.random() < 0.35 else s for s in full[len(full) - ra:]]
    b = [1 if rng.random() < 0.35 else s for s in full[len(full) - rb:]]
    if min(ra, rb) > 0 and rng.random() < 0.2:
        j = rng.randint(1, min(ra, rb))  # an axis both have, counted from the right
        a[-j], b[-j] = full[-j], full[-j] + 1  # two sizes ≥ 2 that differ: incompatible
    a_flat, b_flat = small_ints(rng, a), small_ints(rng, b)
    out, error = attempt(lambda: tensor(a_flat, a) - tensor(b_flat, b))
    case = {"a": a_flat, "aShape": a, "b": b_flat, "bShape": b, "ok": error is None}
    if error is None:
        case["outShape"] = list(out.shape)
        case["out"] = values(out)
    return case


# ---------------------------------------------------------------- repeat_interleave, cat, softmax

def repeat_interleave_case(rng):
    shape = random_shape(rng, rng.randint(1, 3), 1, 3)
    flat = small_ints(rng, shape)
    t = tensor(flat, shape)
    transposed = len(shape) >= 2 and rng.random() < 0.3
    if transposed:
        t = t.transpose(0, -1)  # a non-contiguous input
    repeats = rng.randint(1, 3)
    d = rng.randint(-t.dim(), t.dim() - 1)
    out = torch.repeat_interleave(t, repeats, d)
    return {"x": flat, "storedShape": shape, "transposed": transposed, "repeats": repeats, "dim": d,
            "outShape": list(out.shape), "out": values(out)}


def cat_case(rng):
    rank = rng.randint(1, 3)
    shape = random_shape(rng, rank, 1, 3)
    d = rng.randint(-rank, rank - 1)
    parts = []
    for _ in range(rng.randint(1, 3)):
        s = list(shape)
        s[d] = rng.randint(0 if rank > 1 else 1, 3)  # torch 1.13 skips 1-D empty inputs; avoid them
        parts.append(s)
    ok_expected = True
    if len(parts) >= 2 and rank >= 2 and rng.random() < 0.15:
        other = [i for i in range(rank) if i != d % rank]
        parts[-1][rng.choice(other)] += 1
        ok_expected = False
    flats = [small_ints(rng, s) for s in parts]
    out, error = attempt(lambda: torch.cat([tensor(f, s) for f, s in zip(flats, parts)], d))
    assert (error is None) == ok_expected, (parts, d, error)
    case = {"parts": flats, "shapes": parts, "dim": d, "ok": error is None}
    if error is None:
        case["outShape"] = list(out.shape)
        case["out"] = values(out)
    return case


def softmax_case(rng, index):
    shape = random_shape(rng, rng.randint(1, 3), 1, 4)
    n = math.prod(shape)
    style = index % 4
    flat = []
    for _ in range(n):
        r = rng.random()
        if style == 1 and r < 0.3:
            flat.append(-math.inf)                     # some masked logits
        elif style == 2:
            flat.append(rng.choice([-1.0, 1.0]) * rng.uniform(700.0, 1000.0))  # exp would overflow
        elif style == 3 and r < 0.6:
            flat.append(-math.inf)                     # often whole rows masked → NaN rows
        else:
            flat.append(round(rng.gauss(0.0, 3.0), 6))
    d = rng.randint(-len(shape), len(shape) - 1)
    out = torch.softmax(tensor(flat, shape), d)
    return {"x": [number(v) for v in flat], "shape": shape, "dim": d, "out": values(out)}


# ---------------------------------------------------------------- assembly

def generate():
    rng = random.Random(SEED)
    cases = {
        "view": [view_case(rng, i) for i in range(320)] + [record_view_case(*edge) for edge in EDGE_VIEWS],
        "matmul": [matmul_case(rng, a, b, False) for a, b in MATMUL_SHAPES]
        + [matmul_case(rng, a, b, rng.random() < 0.3) for a, b in (random_matmul_shapes(rng) for _ in range(60))],
        "bmm": [bmm_case(rng, a, b) for a, b in BMM_SHAPES],
        "broadcast": [broadcast_case(rng) for _ in range(60)],
        "repeatInterleave": [repeat_interleave_case(rng) for _ in range(40)],
        "cat": [cat_case(rng) for _ in range(40)],
        "softmax": [softmax_case(rng, i) for i in range(48)],
    }
    lines = ["{", '"generator": "make_torch_cases.py", "seed": %d, "torch": %s,' % (SEED, json.dumps(torch.__version__))]
    sections = []
    for name, items in cases.items():
        body = ",\n".join(json.dumps(item, sort_keys=True, allow_nan=False) for item in items)
        sections.append("%s: [\n%s\n]" % (json.dumps(name), body))
    lines.append(",\n".join(sections))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    args = parser.parse_args()
    text = generate()
    if not args.check:
        OUT.write_text(text, encoding="utf-8")
        print("wrote %s" % OUT)
        return 0
    committed = OUT.read_text(encoding="utf-8")
    # The torch version is provenance, not a result: a newer torch with the same semantics passes.
    strip = lambda s: "\n".join(l for l in s.splitlines() if not l.startswith('"generator"'))
    if strip(committed) == strip(text):
        print("torch_cases.json is up to date")
        return 0
    for i, (x, y) in enumerate(zip(committed.splitlines(), text.splitlines())):
        if x != y:
            print("first difference at line %d:\n  committed: %s\n  computed:  %s" % (i + 1, x[:300], y[:300]))
            break
    else:
        print("line counts differ: committed %d, computed %d" % (len(committed.splitlines()), len(text.splitlines())))
    return 1


if __name__ == "__main__":
    sys.exit(main())
