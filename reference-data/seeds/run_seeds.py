#!/usr/bin/env python3
"""Runs the eight code snippets of the seed articles in PyTorch, as published and as fixed, and
records weights, inputs, outputs and exceptions in seed_outputs.json.

    /usr/bin/python3 reference-data/seeds/run_seeds.py           # (re)write seed_outputs.json
    /usr/bin/python3 reference-data/seeds/run_seeds.py --check   # recompute, compare, exit 1 on a difference

The published code lives verbatim in published_code.py (line breaks and indentation restored,
nothing else); fixed_code.py holds the same code with every catalogued bug fixed, each changed
line tagged FIX-n (BUG-ID). See README.md for the generator, the file layout and the tolerances.
"""
import argparse
import contextlib
import io
import json
import math
import os
import re
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import torch  # noqa: E402  (Debian's python3-torch 1.13)

import fixed_code as FIXED  # noqa: E402
import published_code as PUB  # noqa: E402

OUTPUT_FILE = os.path.join(HERE, "seed_outputs.json")
FORMAT = "attnref-seed-outputs/1"
REL_TOL = 1e-12
FLOOR_FRACTION = 1e-3

torch.set_default_dtype(torch.float64)


# --------------------------------------------------------------------------------------------
# The generator: SplitMix64, bit for bit dev.attnref.core.SeededRandom.
# --------------------------------------------------------------------------------------------
class SplitMix64:
    MASK = (1 << 64) - 1
    GAMMA = 0x9E3779B97F4A7C15

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next_long(self):
        self.state = (self.state + self.GAMMA) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * 2.0 ** -53

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next_double()

    def tensor(self, shape, lo, hi):
        n = 1
        for s in shape:
            n *= s
        return torch.tensor([self.uniform(lo, hi) for _ in range(n)], dtype=torch.float64).view(*shape)


def draw_weights(module, rng):
    """Every state_dict entry in PyTorch's order, row-major, U(−a, a) with a = 1/√fan_in, where
    fan_in is the in_features of the owning Linear (bias entries use their weight's)."""
    sd = module.state_dict()
    out = OrderedDict()
    for name, t in sd.items():
        owner = name.rsplit(".", 1)[0]
        fan_in = sd[owner + ".weight"].shape[1]
        a = 1.0 / math.sqrt(fan_in)
        out[name] = rng.tensor(list(t.shape), -a, a)
    return out


def weights_for(module, reference, rng):
    """Entries whose name and shape match the reference are shared; the rest are drawn now."""
    out = OrderedDict()
    sd = module.state_dict()
    for name, t in sd.items():
        if name in reference and list(reference[name].shape) == list(t.shape):
            out[name] = reference[name]
        else:
            owner = name.rsplit(".", 1)[0]
            a = 1.0 / math.sqrt(sd[owner + ".weight"].shape[1])
            out[name] = rng.tensor(list(t.shape), -a, a)
    return out


# --------------------------------------------------------------------------------------------
# Executing the snippets.
# --------------------------------------------------------------------------------------------
TRACKER_LINES = ("from labml import tracker\n", "        tracker.debug('attn', attn)\n")


def without_tracker(code):
    """labml's tracker is the one thing removed from seed 000 §1.1: its import and its one call."""
    for line in TRACKER_LINES:
        assert code.count(line) == 1, line
        code = code.replace(line, "")
    return code


def namespace(*codes):
    ns = {"__name__": "seed_snippet"}
    for name, code in codes:
        exec(compile(code, "<" + name + ">", "exec"), ns)
    return ns


def pub_ns(key):
    return {
        "S000_MHA": lambda: namespace(("S000_MHA", without_tracker(PUB.S000_MHA))),
        "S000_MQA": lambda: namespace(("S000_MQA", PUB.S000_MQA)),
        "S000_GQA": lambda: namespace(("S000_GQA", PUB.S000_GQA)),
        "S000_GQA_AFTER_MQA": lambda: namespace(("S000_MQA", PUB.S000_MQA), ("S000_GQA", PUB.S000_GQA)),
        "S000_MLA": lambda: namespace(("S000_MLA", PUB.S000_MLA)),
        "S002_MHA": lambda: namespace(("S002_MHA", PUB.S002_MHA)),
        "S002_GQA": lambda: namespace(("S002_GQA", PUB.S002_GQA)),
        "S003_MHA": lambda: namespace(("S003_MHA", PUB.S003_MHA)),
        "S003_BMM": lambda: namespace(("S003_BMM", PUB.S003_BMM)),
    }[key]()


def fix_ns(key):
    return namespace((key + "_FIXED", getattr(FIXED, key)))


# --------------------------------------------------------------------------------------------
# Records.
# --------------------------------------------------------------------------------------------
def scalar(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def tensor_record(name, t, layout=None):
    t = t.detach()
    rec = OrderedDict()
    rec["name"] = name
    rec["dtype"] = str(t.dtype).replace("torch.", "")
    rec["shape"] = list(t.shape)
    if layout is not None:
        rec["layout"] = layout
    rec["values"] = [scalar(v) for v in t.contiguous().view(-1).tolist()]
    return rec


def exception_record(e):
    rec = OrderedDict()
    rec["class"] = type(e).__name__
    rec["message"] = str(e)
    return rec


class Inputs:
    """Named inputs; `layout` records how a tensor was laid out in memory when it matters."""

    def __init__(self):
        self.tensors = OrderedDict()
        self.layouts = {}

    def add(self, name, t, layout=None):
        self.tensors[name] = t
        if layout is not None:
            self.layouts[name] = layout
        return t

    def records(self):
        return [tensor_record(n, t, self.layouts.get(n)) for n, t in self.tensors.items()]


def run(make, weights, forward, *, train=False, torch_seed=None, dropout=None, notes=None):
    """Constructs (make()), loads weights (an OrderedDict, or a function of the module), runs
    forward(module) -> OrderedDict of outputs; records whichever stage raised."""
    rec = OrderedDict()
    if notes:
        rec["notes"] = notes
    try:
        module = make()
    except Exception as e:  # the published code's own exception is the datum
        rec["stage"] = "construct"
        rec["exception"] = exception_record(e)
        return rec
    if forward is None:
        return rec
    if weights is not None:
        sd = weights(module) if callable(weights) else weights
        module.load_state_dict(sd, strict=True)
        rec["state_dict"] = [tensor_record(n, t) for n, t in sd.items()]
    if isinstance(module, torch.nn.Module):
        module.train(train)
        rec["mode"] = "train" if train else "eval"
    captured = {}
    handle = None
    if dropout is not None and train:
        def hook(mod, inp, out):
            captured["in"] = inp[0].detach().clone()
            captured["out"] = out.detach().clone()
            captured["p"] = mod.p
        handle = getattr(module, dropout).register_forward_hook(hook)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            if torch_seed is not None:
                torch.manual_seed(torch_seed)
                rec["torch_manual_seed"] = torch_seed
            outs = forward(module)
    except Exception as e:
        rec["stage"] = "forward"
        rec["exception"] = exception_record(e)
    else:
        rec["outputs"] = [tensor_record(n, t) for n, t in outs.items()]
    finally:
        if handle is not None:
            handle.remove()
    if buf.getvalue():
        rec["stdout"] = buf.getvalue()
    if captured:
        p = captured["p"]
        scale = 1.0 / (1.0 - p)
        keep = (captured["out"] != 0) | (captured["in"] == 0)
        replay = captured["in"] * keep.to(captured["in"].dtype) * scale
        if not torch.equal(replay, captured["out"]):
            raise AssertionError("dropout replay rule out = in·keep·(1/(1−p)) does not hold bit for bit")
        d = OrderedDict()
        d["p"] = p
        d["scale"] = scale
        d["rule"] = "out = in * keep * scale, scale = 1/(1-p) rounded to float64"
        d["input"] = tensor_record("dropout_input", captured["in"])
        d["keep"] = tensor_record("keep", keep)
        rec["dropout"] = d
    return rec


def case(case_id, description, seed, config, inputs, runs):
    c = OrderedDict()
    c["id"] = case_id
    c["description"] = description
    c["seed"] = seed
    c["config"] = config
    c["inputs"] = inputs.records() if inputs is not None else []
    c["runs"] = runs
    return c


def causal_keep(T, S=None):
    """1 = key visible, 0 = hidden: key s visible to query t iff s ≤ t."""
    S = T if S is None else S
    return torch.ones(T, S, dtype=torch.int64).tril()


def causal_hide(T):
    """Seed 000's MQA/GQA convention, 1 = hide: the strict upper triangle."""
    return torch.ones(T, T).triu(1)


def cfg(**kw):
    return OrderedDict(kw)


# --------------------------------------------------------------------------------------------
# Seed 000 §1.1: labml MHA.
# --------------------------------------------------------------------------------------------
def labml_cases():
    cases = []

    def one(case_id, desc, seed, heads, d_model, T, B, bias, mask=None, train=False, torch_seed=None):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S000_MHA"), fix_ns("S000_MHA")
        ref = pns["MultiHeadAttention"](heads, d_model, bias=bias)
        w = draw_weights(ref, rng)
        inp = Inputs()
        q = inp.add("query", rng.tensor([T, B, d_model], -1, 1))
        k = inp.add("key", rng.tensor([T, B, d_model], -1, 1))
        v = inp.add("value", rng.tensor([T, B, d_model], -1, 1))
        if mask is not None:
            inp.add("mask", mask)

        def fwd(m):
            out = m(query=q, key=k, value=v, mask=mask)
            return OrderedDict([("output", out), ("attn", m.attn)])

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["MultiHeadAttention"](heads, d_model, bias=bias), w, fwd,
                                   train=train, torch_seed=torch_seed, dropout="dropout")
        runs["fixed"] = run(lambda: fns["MultiHeadAttention"](heads, d_model, bias=bias),
                            lambda m: weights_for(m, w, rng), fwd,
                            train=train, torch_seed=torch_seed, dropout="dropout")
        config = cfg(heads=heads, d_model=d_model, dropout_prob=0.1, bias=bias, seq_len=T, batch_size=B,
                     layout="[seq_len, batch_size, d_model]; mask [seq_len_q, seq_len_k, batch_size], 1 = keep")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("self_T4_causal", "T > 1 with a causal mask (1 = keep); distinct query/key/value tensors.",
        1001, 2, 6, 4, 2, True, mask=causal_keep(4)[:, :, None])
    one("T1_no_mask", "T = 1, no mask.", 1002, 2, 6, 1, 2, True)
    one("bias_false", "bias=False: the published value projection still has a bias (S000-MHA-VBIAS).",
        1003, 2, 6, 3, 2, False)
    m = causal_keep(3)[:, :, None].repeat(1, 1, 2)
    m[0, :, 1] = 0
    one("fully_masked_row", "Batch row 1, query 0 sees no key: −∞ everywhere gives NaN (S000-MHA-NANROW).",
        1004, 2, 6, 3, 2, True, mask=m)
    one("train_dropout", "Training mode, dropout 0.1, torch.manual_seed(7) before forward; the keep mask is "
        "recorded so the run can be replayed (S000-MHA-ATTN-DROPPED).",
        1005, 2, 6, 3, 2, True, mask=causal_keep(3)[:, :, None], train=True, torch_seed=7)
    one("heads_not_dividing", "heads=4 does not divide d_model=6 (S000-MHA-DIVIDES).", 1006, 4, 6, 2, 1, True)

    # PrepareForMultiHeadAttention on a [batch_size, d_model] input (S000-MHA-DOC-SHAPE).
    rng = SplitMix64(1007)
    pns, fns = pub_ns("S000_MHA"), fix_ns("S000_MHA")
    ref = pns["PrepareForMultiHeadAttention"](6, 2, 3, True)
    w = draw_weights(ref, rng)
    inp = Inputs()
    x = inp.add("x", rng.tensor([2, 6], -1, 1))
    runs = OrderedDict()
    runs["as_published"] = run(lambda: pns["PrepareForMultiHeadAttention"](6, 2, 3, True), w,
                               lambda mod: OrderedDict([("output", mod(x))]))
    runs["fixed"] = run(lambda: fns["PrepareForMultiHeadAttention"](6, 2, 3, True), w,
                        lambda mod: OrderedDict([("output", mod(x))]))
    cases.append(case("prepare_2d", "PrepareForMultiHeadAttention on [batch_size, d_model]: the output is "
                      "[batch_size, heads, d_k], not [batch_size, heads, d_model] as its comment says.",
                      1007, cfg(d_model=6, heads=2, d_k=3, bias=True), inp, runs))
    return cases


# --------------------------------------------------------------------------------------------
# Seed 000 §2.1: MQA.
# --------------------------------------------------------------------------------------------
def mqa_cases():
    cases = []

    def one(case_id, desc, seed, hidden, heads, B, T, mask=None, default_float32=False):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S000_MQA"), fix_ns("S000_MQA")
        w = draw_weights(pns["MutiQueryAttention"](hidden, heads), rng)
        inp = Inputs()
        x = inp.add("hidden_state", rng.tensor([B, T, hidden], -1, 1))
        if mask is not None:
            inp.add("attention_mask", mask)

        def make(ns):
            def f():
                if not default_float32:
                    return ns["MutiQueryAttention"](hidden, heads)
                torch.set_default_dtype(torch.float32)
                return ns["MutiQueryAttention"](hidden, heads).double()
            return f

        def fwd(m):
            try:
                outs = OrderedDict([("output", m(x, mask))])
                if mask is not None:
                    outs["output_without_mask"] = m(x)
                return outs
            finally:
                torch.set_default_dtype(torch.float64)

        runs = OrderedDict()
        runs["as_published"] = run(make(pns), w, fwd)
        if default_float32:
            runs["as_published_default_float64"] = run(lambda: pns["MutiQueryAttention"](hidden, heads), w, fwd,
                                                       notes="the same published code under default float64")
        runs["fixed"] = run(make(fns), w, fwd)
        torch.set_default_dtype(torch.float64)
        config = cfg(hidden_size=hidden, num_heads=heads, batch_size=B, seq_len=T,
                     default_dtype="float32 (module .double(), input float64)" if default_float32 else "float64",
                     mask_convention="attention_mask: 1 = hide (the published code adds mask * -1e-9)")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("T4_causal_mask", "T > 1 with a causal mask in the published 1 = hide convention (strict upper "
        "triangle): the mask moves logits by 1e-9 (S000-MQA-MASK) and heads are merged across positions "
        "(S000-MQA-TRANSPOSE).", 2001, 6, 3, 2, 4, mask=causal_hide(4))
    one("T4_no_mask", "T > 1, no mask: only S000-MQA-TRANSPOSE differs.", 2002, 6, 3, 2, 4)
    one("T1_no_mask", "T = 1: the transpose bug is invisible, published == fixed.", 2003, 6, 3, 2, 1)
    one("T1_mask", "T = 1 with a 1×1 mask of 0 (nothing hidden): published == fixed.", 2004, 6, 3, 2, 1,
        mask=torch.zeros(1, 1))
    one("scale_dtype_default_float32", "Default dtype float32, module .double(), input float64: "
        "torch.sqrt(torch.tensor(head_dim)) is float32, so the float64 logits are divided by √2 rounded "
        "to float32 (S000-MQA-SCALE-DTYPE); compare as_published with as_published_default_float64.",
        2005, 6, 3, 2, 3, default_float32=True)
    one("heads_not_dividing", "num_heads=4 does not divide hidden_size=10 (S000-MQA-DIVIDES).", 2006, 10, 4, 1, 3)
    return cases


# --------------------------------------------------------------------------------------------
# Seed 000 §3.1: GQA.
# --------------------------------------------------------------------------------------------
def gqa000_cases():
    cases = []
    runs = OrderedDict()
    runs["as_published"] = run(lambda: pub_ns("S000_GQA")["GroupQueryAttention"](8, 4, 2), None, None,
                               notes="§3.1 run on its own (its own imports): MutiQueryAttention is undefined")
    runs["as_published_after_mqa"] = run(
        lambda: pub_ns("S000_GQA_AFTER_MQA")["GroupQueryAttention"](8, 4, 2), None, None,
        notes="§2.1 and §3.1 run in one namespace, as the article reads")
    runs["fixed"] = run(lambda: fix_ns("S000_GQA")["GroupQueryAttention"](8, 4, 2), None,
                        lambda m: OrderedDict())
    cases.append(case("construct", "Constructing GroupQueryAttention(8, 4, 2) (S000-GQA-SUPER).", 0,
                      cfg(hidden_size=8, num_heads=4, group_num=2), None, runs))

    def one(case_id, desc, seed, hidden, heads, groups, B, T, mask=None, default_float32=False):
        rng = SplitMix64(seed)
        sns, fns = fix_ns("S000_GQA_SUPER_FIXED"), fix_ns("S000_GQA")
        w = draw_weights(sns["GroupQueryAttention"](hidden, heads, groups), rng)
        inp = Inputs()
        x = inp.add("hidden_state", rng.tensor([B, T, hidden], -1, 1))
        if mask is not None:
            inp.add("attention_mask", mask)

        def make(ns):
            def f():
                if not default_float32:
                    return ns["GroupQueryAttention"](hidden, heads, groups)
                torch.set_default_dtype(torch.float32)
                return ns["GroupQueryAttention"](hidden, heads, groups).double()
            return f

        def fwd(m):
            try:
                outs = OrderedDict([("output", m(x, mask))])
                if mask is not None:
                    outs["output_without_mask"] = m(x)
                return outs
            finally:
                torch.set_default_dtype(torch.float64)

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pub_ns("S000_GQA_AFTER_MQA")["GroupQueryAttention"](hidden, heads, groups),
                                   w, fwd)
        runs["as_published_super_fixed"] = run(make(sns), w, fwd, notes="only FIX-11 (S000-GQA-SUPER) applied")
        if default_float32:
            runs["as_published_super_fixed_default_float64"] = run(
                lambda: sns["GroupQueryAttention"](hidden, heads, groups), w, fwd,
                notes="only FIX-11 applied, under default float64")
        runs["fixed"] = run(make(fns), w, fwd)
        torch.set_default_dtype(torch.float64)
        config = cfg(hidden_size=hidden, num_heads=heads, group_num=groups, batch_size=B, seq_len=T,
                     default_dtype="float32 (module .double(), input float64)" if default_float32 else "float64",
                     mask_convention="attention_mask: 1 = hide (the published code adds mask * -1e-9)")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("T3_causal_mask", "T > 1 with a causal mask (1 = hide): S000-GQA-MASK and S000-GQA-TRANSPOSE.",
        3001, 8, 4, 2, 2, 3, mask=causal_hide(3))
    one("T3_no_mask", "T > 1, no mask: only S000-GQA-TRANSPOSE differs.", 3002, 8, 4, 2, 2, 3)
    one("T1_no_mask", "T = 1: super-fixed == fixed.", 3003, 8, 4, 2, 2, 1)
    one("scale_dtype_default_float32", "Default dtype float32, module .double(), input float64: the "
        "logits are divided by √2 rounded to float32 (S000-GQA-SCALE-DTYPE); compare as_published_super_fixed "
        "with as_published_super_fixed_default_float64.", 3005, 8, 4, 2, 2, 3, default_float32=True)
    one("group_num_not_dividing", "group_num=3 does not divide num_heads=4 (S000-GQA-DIVIDES).",
        3004, 8, 4, 3, 1, 2)
    return cases


# --------------------------------------------------------------------------------------------
# Seed 000 §4.1: MLA.
# --------------------------------------------------------------------------------------------
def factored_wqk(m):
    """The fixed module's W_qk as a published-layout weight [H·C, C_q] and bias [H·C], computed with
    the same operations as its W_qk method (so the values are identical)."""
    with torch.no_grad():
        H, D, Cq, C = m.num_heads, m.head_dim, m.q_latent_dim, m.kv_latent_dim
        Wq = m.Wq_u.weight.view(H, D, Cq)
        bq = m.Wq_u.bias.view(H, D, 1)
        Wk = m.Wk_u.weight.view(H, D, C)
        weight = torch.matmul(Wk.transpose(1, 2), Wq).reshape(H * C, Cq)
        bias = torch.matmul(Wk.transpose(1, 2), bq).reshape(-1)
    return weight, bias


def mla_cases():
    cases = []

    def one(case_id, desc, seed, d_model, heads, ql, kvl, B, T):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S000_MLA"), fix_ns("S000_MLA")
        w = draw_weights(pns["MultiHeadLatentAttention"](d_model, heads, ql, kvl), rng)
        inp = Inputs()
        x = inp.add("x", rng.tensor([B, T, d_model], -1, 1))
        fixed_module = fns["MultiHeadLatentAttention"](d_model, heads, ql, kvl)
        wf = weights_for(fixed_module, w, rng)
        fixed_module.load_state_dict(wf)
        weight, bias = factored_wqk(fixed_module)
        wp = OrderedDict((n, t) for n, t in w.items())
        wp["W_qk.weight"], wp["W_qk.bias"] = weight, bias

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["MultiHeadLatentAttention"](d_model, heads, ql, kvl), w,
                                   lambda m: OrderedDict([("output", m(x))]))
        runs["as_published_with_factored_wqk"] = run(
            lambda: pns["MultiHeadLatentAttention"](d_model, heads, ql, kvl), wp,
            lambda m: OrderedDict([("output", m(x))]),
            notes="published code, W_qk loaded with the fixed module's per-head product of its factors: "
                  "differs from 'fixed' only by the softmax scale (S000-MLA-SCALE)")
        runs["fixed"] = run(lambda: fns["MultiHeadLatentAttention"](d_model, heads, ql, kvl), wf,
                            lambda m: OrderedDict([("output", m(x)),
                                                   ("output_naive", m(x, absorbed=False)),
                                                   ("output_causal", m(x, causal=True))]),
                            notes="output: absorbed form; output_naive: per-head q and k formed explicitly "
                                  "(must equal output); output_causal: causal=True")
        config = cfg(d_model=d_model, num_heads=heads, q_latent_dim=ql, kv_latent_dim=kvl,
                     head_dim=d_model // heads, batch_size=B, seq_len=T)
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("T3", "T > 1: scale √kv_latent_dim vs √head_dim, free W_qk vs factored.", 4001, 8, 2, 3, 2, 2, 3)
    one("T1", "T = 1: softmax over one key is 1 whatever the scale; published == published-with-factored.",
        4002, 8, 2, 3, 2, 2, 1)
    one("rank_exceeds_head_dim", "head_dim=2 < min(q_latent_dim, kv_latent_dim)=3: a free 3×3 W_qk block "
        "has rank 3, which no factored MLA with head_dim 2 can produce (S000-MLA-FREE-WQK).",
        4003, 4, 2, 3, 3, 1, 3)
    return cases


# --------------------------------------------------------------------------------------------
# Seed 002: MHA and GQA.
# --------------------------------------------------------------------------------------------
def example_mask_002():
    return (torch.tensor([[0, 1], [0, 0], [1, 0]]).unsqueeze(1).unsqueeze(2).expand(3, 8, 2, 2))


def mha002_cases():
    cases = []

    def one(case_id, desc, seed, hidden, heads, B, T, mask=None, train=False, torch_seed=None):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S002_MHA"), fix_ns("S002_MHA")
        w = draw_weights(pns["MultiHeadAttention"](hidden, heads), rng)
        inp = Inputs()
        x = inp.add("X", rng.tensor([B, T, hidden], 0, 1))
        if mask is not None:
            inp.add("attention_mask", mask)

        def fwd(m):
            return OrderedDict([("output", m(x, mask))])

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["MultiHeadAttention"](hidden, heads), w, fwd,
                                   train=train, torch_seed=torch_seed, dropout="att_dropout")
        runs["fixed"] = run(lambda: fns["MultiHeadAttention"](hidden, heads), w, fwd,
                            notes="FIX-22 (S002-DROPOUT): eval() before inference" if train else None)
        config = cfg(hidden_dim=hidden, nums_head=heads, batch_size=B, seq_len=T,
                     mask_convention="attention_mask: 1 = keep (masked_fill(mask == 0, -1e20))",
                     input_range="X ~ U(0, 1) like the example's torch.rand")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("example_mask", "The article's example: B=3, T=2, 8 heads, its mask expand(3, 8, 2, 2); batch row 1 "
        "hides every key (S002-FULLMASK); the forward prints (S002-PRINT). Hidden 16 instead of 128.",
        5001, 16, 8, 3, 2, mask=example_mask_002())
    one("T1_no_mask", "T = 1, no mask.", 5002, 16, 8, 3, 1)
    one("causal_T3", "Causal mask [1, 1, T, T] (1 = keep): every row sees a key, so −1e20 and −∞ agree.",
        5003, 16, 8, 2, 3, mask=causal_keep(3)[None, None])
    one("mask_batch_seq_B3_T2", "A (batch, seq) mask as the forward's comment documents, B ≠ T: "
        "it does not broadcast against (batch, heads, seq, seq) (S002-MASK-DOC).",
        5004, 16, 8, 3, 2, mask=torch.tensor([[1, 1], [1, 0], [0, 1]]))
    one("mask_batch_seq_B2_T2", "A (batch, seq) mask with B == T: it broadcasts as (query, key) and is "
        "silently applied along the wrong axis (S002-MASK-DOC).",
        5005, 16, 8, 2, 2, mask=torch.tensor([[1, 0], [1, 1]]))
    one("train_dropout", "The example left in training mode: dropout 0.1 on the attention weights, "
        "torch.manual_seed(11) before forward; keep mask recorded (S002-DROPOUT).",
        5006, 16, 8, 3, 2, mask=example_mask_002(), train=True, torch_seed=11)
    one("heads_not_dividing", "nums_head=4 does not divide hidden_dim=10 (S002-MHA-DIVIDES).", 5007, 10, 4, 1, 3)
    return cases


def gqa002_cases():
    cases = []

    def one(case_id, desc, seed, hidden, heads, kv, B, T, mask=None):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S002_GQA"), fix_ns("S002_GQA")
        w = draw_weights(pns["GroupQueryAttention"](hidden, heads, kv), rng)
        inp = Inputs()
        x = inp.add("X", rng.tensor([B, T, hidden], -1, 1))
        if mask is not None:
            inp.add("attention_mask", mask)

        def fwd(m):
            outs = OrderedDict([("output", m(x, mask))])
            if mask is not None:
                outs["output_without_mask"] = m(x)
            return outs

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["GroupQueryAttention"](hidden, heads, kv), w, fwd)
        runs["fixed"] = run(lambda: fns["GroupQueryAttention"](hidden, heads, kv), w, fwd)
        config = cfg(hidden_dim=hidden, nums_head=heads, nums_key_value_head=kv, batch_size=B, seq_len=T,
                     mask_convention="fixed only: attention_mask 1 = keep, as seed 002's MHA")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("T3", "T > 1, G = 2 of H = 4.", 6001, 8, 4, 2, 2, 3)
    one("T1", "T = 1.", 6002, 8, 4, 2, 2, 1)
    one("kv1_mqa", "nums_key_value_head = 1: MQA, as the article says.", 6003, 8, 4, 1, 2, 3)
    one("kv4_mha", "nums_key_value_head = nums_head: MHA.", 6004, 8, 4, 4, 2, 3)
    one("causal_mask_ignored", "A causal mask (1 = keep) passed to forward: the published code accepts it "
        "and ignores it (S002-GQA-MASK-IGNORED).", 6005, 8, 4, 2, 2, 3, mask=causal_keep(3))
    return cases


# --------------------------------------------------------------------------------------------
# Seed 003: MHA and the torch.bmm version.
# --------------------------------------------------------------------------------------------
def example_mask_003(B, T, S=None):
    S = T if S is None else S
    mask = torch.ones(B, 1, T, S)
    mask[:, :, :T // 2, :S // 2] = 0
    return mask


def mha003_cases():
    cases = []

    def one(case_id, desc, seed, d_model, heads, B, T, S=None, mask=None):
        S = T if S is None else S
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S003_MHA"), fix_ns("S003_MHA")
        w = draw_weights(pns["MultiHeadAttention"](d_model, heads), rng)
        inp = Inputs()
        Q = inp.add("Q", rng.tensor([B, T, d_model], -1, 1))
        K = inp.add("K", rng.tensor([B, S, d_model], -1, 1))
        V = inp.add("V", rng.tensor([B, S, d_model], -1, 1))
        if mask is not None:
            inp.add("mask", mask)

        def fwd(m):
            out, weights = m(Q, K, V, mask)
            return OrderedDict([("output", out), ("attention_weights", weights)])

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["MultiHeadAttention"](d_model, heads), w, fwd)
        runs["fixed"] = run(lambda: fns["MultiHeadAttention"](d_model, heads), w, fwd)
        config = cfg(d_model=d_model, num_heads=heads, batch_size=B, seq_len_q=T, seq_len_k=S,
                     mask_convention="mask (batch_size, 1, seq_len_q, seq_len_k): 1 = keep (masked_fill(mask == 0, -1e9))")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("T4_example_mask", "The example's mask pattern (ones, top-left quadrant zero) at T = 4; "
        "attention_weights holds every head (S003-DOC).", 7001, 6, 2, 2, 4, mask=example_mask_003(2, 4))
    one("T1_no_mask", "T = 1, no mask.", 7002, 6, 2, 2, 1)
    one("cross_Tq2_Sk3", "Cross-attention, seq_len_q = 2, seq_len_k = 3, no mask.", 7003, 6, 2, 2, 2, S=3)
    m = torch.ones(2, 1, 3, 3).tril()
    m[0, 0, 0, :] = 0
    one("fully_masked_row", "Batch 0, query 0 sees no key: −1e9 gives a uniform row (S003-FULLMASK).",
        7004, 6, 2, 2, 3, mask=m)
    return cases


def split_heads_layout(rng, B, H, T, D):
    """A [B, H, T, D] tensor laid out as split_heads leaves it: x.view(B, T, H, D).transpose(1, 2)."""
    return rng.tensor([B, T, H, D], -1, 1).transpose(1, 2)


def bmm_cases():
    cases = []

    def one(case_id, desc, seed, B, H, T, D, layout, mask=None):
        rng = SplitMix64(seed)
        pns, fns = pub_ns("S003_BMM"), fix_ns("S003_BMM")
        inp = Inputs()
        make = split_heads_layout if layout == "split_heads" else (lambda r, b, h, t, d: r.tensor([b, h, t, d], -1, 1))
        Q = inp.add("Q", make(rng, B, H, T, D), layout)
        K = inp.add("K", make(rng, B, H, T, D), layout)
        V = inp.add("V", make(rng, B, H, T, D), layout)
        if mask is not None:
            inp.add("mask", mask)

        def fwd(f):
            out, weights = f(Q, K, V, mask)
            return OrderedDict([("output", out), ("attention_weights", weights)])

        runs = OrderedDict()
        runs["as_published"] = run(lambda: pns["scaled_dot_product_attention_optimized"], None, fwd)
        runs["fixed"] = run(lambda: fns["scaled_dot_product_attention_optimized"], None, fwd)
        config = cfg(batch_size=B, num_heads=H, seq_len_q=T, seq_len_k=T, d_k=D,
                     input_layout=("split_heads: the [B, H, T, D] values are stored as a contiguous [B, T, H, D] "
                                   "tensor transposed (1, 2), as MultiHeadAttention.split_heads returns them")
                     if layout == "split_heads" else "contiguous [B, H, T, D]",
                     mask_convention="mask (batch_size, 1, seq_len_q, seq_len_k): 1 = keep")
        cases.append(case(case_id, desc, seed, config, inp, runs))

    one("split_heads_B2_H2_T3", "Inputs as split_heads returns them, B, H, T > 1: view raises (S003-BMM-VIEW).",
        8001, 2, 2, 3, 3, "split_heads", mask=example_mask_003(2, 3))
    one("split_heads_B1_H2_T3", "B = 1: the non-contiguous view is still viewable; published == fixed.",
        8002, 1, 2, 3, 3, "split_heads", mask=example_mask_003(1, 3))
    one("split_heads_B2_H2_T1", "T = 1: viewable; published == fixed.", 8003, 2, 2, 1, 3, "split_heads")
    one("contiguous_B2_H2_T3", "Freshly allocated contiguous inputs: published == fixed.",
        8004, 2, 2, 3, 3, "contiguous", mask=example_mask_003(2, 3))
    m = torch.ones(2, 1, 3, 3).tril()
    m[1, 0, 2, :] = 0
    one("fully_masked_row", "Contiguous inputs, batch 1, query 2 sees no key: −1e9 gives a uniform row "
        "(S003-BMM-FULLMASK).", 8005, 2, 2, 3, 3, "contiguous", mask=m)

    # The bmm function put in place of MultiHeadAttention.scaled_dot_product_attention, as §7 proposes.
    rng = SplitMix64(8006)
    mns = pub_ns("S003_MHA")
    w = draw_weights(mns["MultiHeadAttention"](6, 2), rng)
    inp = Inputs()
    Q = inp.add("Q", rng.tensor([2, 4, 6], -1, 1))
    K = inp.add("K", rng.tensor([2, 4, 6], -1, 1))
    V = inp.add("V", rng.tensor([2, 4, 6], -1, 1))
    mask = inp.add("mask", example_mask_003(2, 4))

    def with_sdpa(ns_bmm):
        def make():
            m = mns["MultiHeadAttention"](6, 2)
            if ns_bmm is not None:
                m.scaled_dot_product_attention = ns_bmm["scaled_dot_product_attention_optimized"]
            return m
        return make

    def fwd(m):
        out, weights = m(Q, K, V, mask)
        return OrderedDict([("output", out), ("attention_weights", weights)])

    runs = OrderedDict()
    runs["as_published"] = run(with_sdpa(pub_ns("S003_BMM")), w, fwd,
                               notes="seed 003 MultiHeadAttention with the published bmm function as its "
                                     "scaled_dot_product_attention")
    runs["fixed"] = run(with_sdpa(fix_ns("S003_BMM")), w, fwd,
                        notes="the same with the fixed bmm function")
    runs["matmul_reference"] = run(with_sdpa(None), w, fwd,
                                   notes="seed 003 MultiHeadAttention as published (torch.matmul version)")
    cases.append(case("in_mha_B2_T4", "The bmm version inside seed 003's MultiHeadAttention (d_model 6, 2 heads): "
                      "split_heads feeds it transposed tensors, so the published version raises whenever "
                      "B, H, T > 1; the fixed version equals the matmul version.", 8006,
                      cfg(d_model=6, num_heads=2, batch_size=2, seq_len=4), inp, runs))
    return cases


# --------------------------------------------------------------------------------------------
# Probes: facts about PyTorch and about the snippets that bugs and claims cite.
# --------------------------------------------------------------------------------------------
def probe_neq_none():
    r = torch.ones(2) != None  # noqa: E711  (the published comparison, on purpose)
    return OrderedDict([("expression", "torch.ones(2) != None"), ("result_type", type(r).__name__),
                        ("result", r if isinstance(r, bool) else str(r)),
                        ("note", "PyTorch 1.13 answers Python True (identity fallback), so the published "
                                 "`attention_mask != None` happens to work; `is not None` is the test")])


def probe_scale_dtype():
    rows = []
    for d in (2, 3, 8, 64, 128):
        torch.set_default_dtype(torch.float32)
        try:
            s32 = torch.sqrt(torch.tensor(d))
        finally:
            torch.set_default_dtype(torch.float64)
        s64 = torch.sqrt(torch.tensor(d))
        row = OrderedDict()
        row["head_dim"] = d
        row["default_float32"] = OrderedDict([("dtype", str(s32.dtype).replace("torch.", "")),
                                              ("value", s32.item())])
        row["default_float64"] = OrderedDict([("dtype", str(s64.dtype).replace("torch.", "")),
                                              ("value", s64.item())])
        row["math_sqrt"] = math.sqrt(d)
        row["float32_exact"] = s32.item() == math.sqrt(d)
        rows.append(row)
    return OrderedDict([("expression", "torch.sqrt(torch.tensor(head_dim))"), ("rows", rows)])


def probe_view_on_split_heads():
    rows = []
    for B in (1, 2):
        for H in (1, 2):
            for T in (1, 3):
                t = torch.zeros(B, T, H, 2).transpose(1, 2)
                row = OrderedDict([("B", B), ("H", H), ("T", T), ("is_contiguous", t.is_contiguous())])
                try:
                    t.view(B * H, T, 2)
                    row["view"] = "ok"
                except RuntimeError as e:
                    row["view"] = "RuntimeError"
                    row["message"] = str(e)
                rows.append(row)
    return OrderedDict([("expression", "x.view(B, T, H, D).transpose(1, 2).view(B * H, T, D)"), ("rows", rows)])


def probe_fp16_fill():
    rows = []
    for dtype in (torch.float16, torch.bfloat16):
        for value in (-1e4, -1e9, -1e20, float("-inf")):
            row = OrderedDict([("dtype", str(dtype).replace("torch.", "")), ("fill", scalar(value))])
            try:
                r = torch.zeros(2, dtype=dtype).masked_fill(torch.tensor([True, False]), value)
                row["result"] = scalar(float(r[0]))
            except RuntimeError as e:
                row["exception"] = exception_record(e)
            rows.append(row)
    return OrderedDict([("expression", "torch.zeros(2, dtype).masked_fill(mask, fill)"), ("rows", rows)])


def probe_repeat_interleave():
    k = torch.zeros(2, 2, 3, 4)
    r = k.repeat_interleave(2, dim=1)
    e = k[:, :, None].expand(2, 2, 2, 3, 4)
    return OrderedDict([
        ("kv_shape", list(k.shape)), ("repeats", 2),
        ("repeat_interleave_shares_storage", r.storage().data_ptr() == k.storage().data_ptr()),
        ("repeat_interleave_storage_elements", len(r.storage())),
        ("source_storage_elements", len(k.storage())),
        ("expand_shares_storage", e.storage().data_ptr() == k.storage().data_ptr()),
        ("expand_then_reshape_shares_storage",
         e.reshape(2, 4, 3, 4).storage().data_ptr() == k.storage().data_ptr())])


def probe_gqa_head_map():
    """Which kv head each query head reads: kv channel block g filled with the value g."""
    rows = []
    sns = fix_ns("S000_GQA")
    for H, G in ((4, 2), (6, 3), (4, 1), (4, 4), (8, 2)):
        D = 2
        kv = torch.arange(G, dtype=torch.float64).repeat_interleave(D).view(1, 1, G * D)
        m = sns["GroupQueryAttention"](H * D, H, G)
        map000 = m.split_head(kv, G)[0, :, 0, 0].tolist()
        k002 = kv.view(1, 1, G, D).transpose(1, 2).repeat_interleave(H // G, dim=1)
        map002 = k002[0, :, 0, 0].tolist()
        rows.append(OrderedDict([("num_heads", H), ("kv_heads", G),
                                 ("seed000_split_head", [int(v) for v in map000]),
                                 ("seed002_repeat_interleave", [int(v) for v in map002]),
                                 ("h_div_R", [h // (H // G) for h in range(H)])]))
    return OrderedDict([("question", "kv head read by each query head; fixed by position, independent of inputs"),
                        ("rows", rows)])


def influence(f, x):
    """infl[t][s] = 1 when changing input token s changes output position t (|Δ| > 1e-12)."""
    with torch.no_grad():
        base = f(x)
        T = x.shape[1]
        cols = []
        for s in range(T):
            x2 = x.clone()
            x2[:, s] += 0.5
            cols.append((f(x2) - base).abs().amax(dim=-1)[0])
        return [[int(cols[s][t].item() > 1e-12) for s in range(T)] for t in range(T)]


def equivariant(f, x):
    """Self-attention without mask or positions commutes with reversing the tokens."""
    with torch.no_grad():
        a = f(x.flip(1)).flip(1)
        b = f(x)
        return bool(torch.allclose(a, b, rtol=1e-12, atol=1e-12))


def probe_influence_and_equivariance():
    T = 4
    infl = OrderedDict()
    equi = OrderedDict()

    def mods():
        rng = SplitMix64(9001)
        x = rng.tensor([1, T, 8], -1, 1)

        def loaded(m):
            m.load_state_dict(draw_weights(m, SplitMix64(9002)))
            m.eval()
            return m

        p = pub_ns("S000_MHA")["MultiHeadAttention"]
        f = fix_ns("S000_MHA")["MultiHeadAttention"]
        keep3 = causal_keep(T)[:, :, None]
        for label, cls in (("Seed000MultiHeadAttention/as_published", p), ("Seed000MultiHeadAttention/fixed", f)):
            m = loaded(cls(2, 8))
            yield label, (lambda m: lambda z, msk=keep3: m(query=z.transpose(0, 1), key=z.transpose(0, 1),
                                                          value=z.transpose(0, 1), mask=msk).transpose(0, 1))(m), \
                (lambda m: lambda z: m(query=z.transpose(0, 1), key=z.transpose(0, 1),
                                       value=z.transpose(0, 1)).transpose(0, 1))(m), x
        hide = causal_hide(T)
        for label, cls in (("Seed000MutiQueryAttention/as_published", pub_ns("S000_MQA")["MutiQueryAttention"]),
                           ("Seed000MutiQueryAttention/fixed", fix_ns("S000_MQA")["MutiQueryAttention"])):
            m = loaded(cls(8, 4))
            yield label, (lambda m: lambda z: m(z, hide))(m), (lambda m: lambda z: m(z))(m), x
        for label, cls in (("Seed000GroupQueryAttention/as_published_super_fixed",
                            fix_ns("S000_GQA_SUPER_FIXED")["GroupQueryAttention"]),
                           ("Seed000GroupQueryAttention/fixed", fix_ns("S000_GQA")["GroupQueryAttention"])):
            m = loaded(cls(8, 4, 2))
            yield label, (lambda m: lambda z: m(z, hide))(m), (lambda m: lambda z: m(z))(m), x
        mp = loaded(pub_ns("S000_MLA")["MultiHeadLatentAttention"](8, 2, 3, 2))
        yield "Seed000MultiHeadLatentAttention/as_published", (lambda z: mp(z)), (lambda z: mp(z)), x
        mf = loaded(fix_ns("S000_MLA")["MultiHeadLatentAttention"](8, 2, 3, 2))
        yield "Seed000MultiHeadLatentAttention/fixed", (lambda z: mf(z, causal=True)), (lambda z: mf(z)), x
        keep = causal_keep(T)[None, None]
        for label, ns in (("Seed002MultiHeadAttention/as_published", pub_ns("S002_MHA")),
                          ("Seed002MultiHeadAttention/fixed", fix_ns("S002_MHA"))):
            m = loaded(ns["MultiHeadAttention"](8, 2))

            def quiet(m):
                def f(z, msk=None):
                    with contextlib.redirect_stdout(io.StringIO()):
                        return m(z, msk)
                return f
            q = quiet(m)
            yield label, (lambda q: lambda z: q(z, keep))(q), (lambda q: lambda z: q(z))(q), x
        for label, ns in (("Seed002GroupQueryAttention/as_published", pub_ns("S002_GQA")),
                          ("Seed002GroupQueryAttention/fixed", fix_ns("S002_GQA"))):
            m = loaded(ns["GroupQueryAttention"](8, 4, 2))
            yield label, (lambda m: lambda z: m(z, keep))(m), (lambda m: lambda z: m(z))(m), x
        keep4 = causal_keep(T)[None, None]
        for label, ns in (("Seed003MultiHeadAttention/as_published", pub_ns("S003_MHA")),
                          ("Seed003MultiHeadAttention/fixed", fix_ns("S003_MHA"))):
            m = loaded(ns["MultiHeadAttention"](8, 2))
            yield label, (lambda m: lambda z: m(z, z, z, keep4)[0])(m), (lambda m: lambda z: m(z, z, z)[0])(m), x

    for label, masked, unmasked, x in mods():
        infl[label] = influence(masked, x)
        equi[label] = equivariant(unmasked, x)
    return (OrderedDict([("question", "influence[t][s] = 1 when changing token s changes output t, with a "
                                      "causal mask in each snippet's own convention (000 MQA/GQA: 1 = hide; "
                                      "others 1 = keep; MLA as published takes no mask, fixed uses causal=True). "
                                      "A causal model gives a lower-triangular matrix."),
                         ("seq_len", T), ("matrices", infl)]),
            OrderedDict([("question", "without a mask, does reversing the tokens reverse the outputs "
                                      "(self-attention without positions is permutation-equivariant)?"),
                         ("seq_len", T), ("results", equi)]))


def numerical_rank(m, rtol=1e-10):
    s = torch.linalg.svdvals(m)
    return int((s > rtol * s[0]).sum().item())


def probe_mla_rank():
    rng = SplitMix64(4003)
    pm = pub_ns("S000_MLA")["MultiHeadLatentAttention"](4, 2, 3, 3)
    w = draw_weights(pm, rng)
    fm = fix_ns("S000_MLA")["MultiHeadLatentAttention"](4, 2, 3, 3)
    rng.tensor([1, 3, 4], -1, 1)  # the case's input draw, so the fixed weights match case rank_exceeds_head_dim
    fm.load_state_dict(weights_for(fm, w, rng))
    weight, _ = factored_wqk(fm)
    H, C, Cq = 2, 3, 3
    pub_ranks = [numerical_rank(w["W_qk.weight"].view(H, C, Cq)[h]) for h in range(H)]
    fix_ranks = [numerical_rank(weight.view(H, C, Cq)[h]) for h in range(H)]
    return OrderedDict([("config", cfg(d_model=4, num_heads=2, head_dim=2, q_latent_dim=3, kv_latent_dim=3)),
                        ("weights", "case Seed000MultiHeadLatentAttention/rank_exceeds_head_dim"),
                        ("rank_tolerance", "singular values above 1e-10 × the largest"),
                        ("published_W_qk_per_head_rank", pub_ranks),
                        ("factored_W_qk_per_head_rank", fix_ranks),
                        ("bound_for_a_factored_mla", 2)])


def probe_mla_latents():
    rng = SplitMix64(9003)
    m = pub_ns("S000_MLA")["MultiHeadLatentAttention"](8, 2, 3, 2)
    m.load_state_dict(draw_weights(m, rng))
    shapes = OrderedDict()
    for T in (3, 5):
        x = rng.tensor([1, T, 8], -1, 1)
        shapes["seq_len_%d" % T] = list(m.Wkv_d(x).shape)
    params = [OrderedDict([("name", n), ("shape", list(p.shape))]) for n, p in m.named_parameters()]
    return OrderedDict([("question", "does the seed's MLA hold a learnable set of latent embeddings?"),
                        ("parameters", params),
                        ("every_parameter_is_a_linear_layer", all(n.split(".")[-1] in ("weight", "bias")
                                                                  and isinstance(getattr(m, n.split(".")[0]),
                                                                                 torch.nn.Linear)
                                                                  for n, _ in m.named_parameters())),
                        ("C_kv_shape_by_seq_len", shapes),
                        ("answer", "no: C_kv = Wkv_d(x) is one latent per token ([B, T, kv_latent_dim]); the "
                                   "number of 'latents' grows with the sequence")])


def probe_mla_default_size():
    d_model, H, Cq, C = 128 * 128, 128, 12, 4
    D = d_model // H

    def lin(i, o):
        return i * o + o
    counts = OrderedDict([("Wq_d", lin(d_model, Cq)), ("W_qk", lin(Cq, H * C)), ("Wkv_d", lin(d_model, C)),
                          ("Wv_u", lin(C, H * D)), ("Wo", lin(H * D, d_model))])
    total = sum(counts.values())
    return OrderedDict([("defaults", cfg(d_model=d_model, num_heads=H, q_latent_dim=Cq, kv_latent_dim=C,
                                         head_dim=D)),
                        ("parameters", counts), ("total", total),
                        ("bytes_float32", 4 * total), ("bytes_float64", 8 * total),
                        ("note", "counted from nn.Linear(i, o) = i·o + o; not allocated here")])


def probe_examples():
    out = OrderedDict()
    # Seed 002 MHA example, verbatim, in a namespace with the published class.
    ns = pub_ns("S002_MHA")
    first, rest = io.StringIO(), io.StringIO()
    torch.manual_seed(0)
    with contextlib.redirect_stdout(first):
        exec(compile(PUB.S002_MHA_EXAMPLE, "<S002_MHA_EXAMPLE>", "exec"), ns)
    net, x, mask = ns["net"], ns["x"], ns["attention_mask"]
    with contextlib.redirect_stdout(rest):
        training = net.training
        a, b = net(x, mask), net(x, mask)
        net.eval()
        c, d = net(x, mask), net(x, mask)
    out["seed002_mha_example"] = OrderedDict([
        ("code", "published example, verbatim, after torch.manual_seed(0)"),
        ("output_shape", list(a.shape)),
        ("training_mode_by_default", training),
        ("two_calls_equal_in_training_mode", bool(torch.equal(a, b))),
        ("two_calls_equal_after_eval", bool(torch.equal(c, d))),
        ("printed_lines_per_call", first.getvalue().count("\n")),
        ("first_printed_line", first.getvalue().split("\n")[0])])
    ns = pub_ns("S002_GQA")
    torch.manual_seed(0)
    exec(compile(PUB.S002_GQA_EXAMPLE, "<S002_GQA_EXAMPLE>", "exec"), ns)
    out["seed002_gqa_example"] = OrderedDict([("output_shape", list(ns["net"](ns["x"]).shape))])
    ns = pub_ns("S003_MHA")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        torch.manual_seed(0)
        exec(compile(PUB.S003_MHA_EXAMPLE, "<S003_MHA_EXAMPLE>", "exec"), ns)
    rec = OrderedDict([("stdout", buf.getvalue())])
    m = ns["multihead_attn"]
    m.scaled_dot_product_attention = pub_ns("S003_BMM")["scaled_dot_product_attention_optimized"]
    try:
        m(ns["Q"], ns["K"], ns["V"], ns["mask"])
        rec["with_bmm_version"] = "ok"
    except RuntimeError as e:
        rec["with_bmm_version"] = exception_record(e)
    out["seed003_mha_example"] = rec
    return out


def probes():
    p = OrderedDict()
    p["neq_none"] = probe_neq_none()
    p["scale_dtype"] = probe_scale_dtype()
    p["view_on_split_heads"] = probe_view_on_split_heads()
    p["half_precision_fill"] = probe_fp16_fill()
    p["repeat_interleave_copies"] = probe_repeat_interleave()
    p["gqa_head_to_kv_map"] = probe_gqa_head_map()
    p["influence"], p["permutation_equivariance"] = probe_influence_and_equivariance()
    p["mla_rank"] = probe_mla_rank()
    p["mla_latents"] = probe_mla_latents()
    p["mla_default_size"] = probe_mla_default_size()
    p["examples"] = probe_examples()
    return p


# --------------------------------------------------------------------------------------------
# The document.
# --------------------------------------------------------------------------------------------
SNIPPETS = [
    ("Seed000MultiHeadAttention", "000_fadc730364d408d5.txt", "§1.1", "S000_MHA", labml_cases),
    ("Seed000MutiQueryAttention", "000_fadc730364d408d5.txt", "§2.1", "S000_MQA", mqa_cases),
    ("Seed000GroupQueryAttention", "000_fadc730364d408d5.txt", "§3.1", "S000_GQA", gqa000_cases),
    ("Seed000MultiHeadLatentAttention", "000_fadc730364d408d5.txt", "§4.1", "S000_MLA", mla_cases),
    ("Seed002MultiHeadAttention", "002_1e9572e2eacce3e6.txt", "multi-head self-attention", "S002_MHA",
     mha002_cases),
    ("Seed002GroupQueryAttention", "002_1e9572e2eacce3e6.txt", "Group Query Attention", "S002_GQA",
     gqa002_cases),
    ("Seed003MultiHeadAttention", "003_458b86459b0fc3c9.txt", "§3", "S003_MHA", mha003_cases),
    ("Seed003ScaledDotProductAttentionOptimized", "003_458b86459b0fc3c9.txt", "§7", "S003_BMM", bmm_cases),
]


def build_document():
    doc = OrderedDict()
    doc["format"] = FORMAT
    doc["generated_by"] = "reference-data/seeds/run_seeds.py"
    doc["torch_version"] = torch.__version__
    doc["dtype"] = "float64 (torch.set_default_dtype(torch.float64)) unless a case says otherwise"
    doc["generator"] = OrderedDict([
        ("algorithm", "SplitMix64, as dev.attnref.core.SeededRandom: nextDouble = (nextLong >>> 11) * 2^-53, "
                      "uniform(lo, hi) = lo + (hi - lo) * nextDouble"),
        ("order", "per case one stream seeded with the case's seed: first the reference module's state_dict "
                  "entries in PyTorch order (row-major), then the inputs in the order listed, then any "
                  "parameter only the fixed module has"),
        ("weights", "U(-a, a), a = 1 / sqrt(fan_in), fan_in = in_features of the owning Linear"),
        ("inputs", "U(-1, 1), except seed 002 MHA inputs U(0, 1) like torch.rand; masks are constructed")])
    doc["value_encoding"] = ("tensors: shape + flat row-major values of the logical tensor; floats written "
                             "with Python repr (round-trip exact); NaN, Infinity, -Infinity as strings; "
                             "bool as 0/1")
    snippets = OrderedDict()
    for name, seed_file, section, code_key, fn in SNIPPETS:
        s = OrderedDict()
        s["seed_file"] = seed_file
        s["section"] = section
        s["published_code"] = "reference-data/seeds/published_code.py:" + code_key
        s["fixed_code"] = "reference-data/seeds/fixed_code.py:" + code_key
        s["cases"] = fn()
        snippets[name] = s
    doc["snippets"] = snippets
    doc["probes"] = probes()
    return doc


# --------------------------------------------------------------------------------------------
# Deterministic JSON: insertion order, numeric lists on one line, floats by repr.
# --------------------------------------------------------------------------------------------
def encode(obj, indent=0):
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = ['%s  %s: %s' % (pad, json.dumps(k, ensure_ascii=False), encode(v, indent + 2))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if not obj:
            return "[]"
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(encode(v) for v in obj) + "]"
        return "[\n" + ",\n".join(pad + "  " + encode(v, indent + 2) for v in obj) + "\n" + pad + "]"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return json.dumps(scalar(obj))
        return repr(obj)
    if obj is None:
        return "null"
    if isinstance(obj, int):
        return str(obj)
    return json.dumps(obj, ensure_ascii=False)


def render(doc):
    return encode(doc) + "\n"


# --------------------------------------------------------------------------------------------
# --check: structural comparison, floats within 1e-12 relative, exceptions by class.
# --------------------------------------------------------------------------------------------
class Diff:
    def __init__(self):
        self.errors = []
        self.warnings = []


def is_tensor_record(d):
    return isinstance(d, dict) and "values" in d and "shape" in d


def floor_of(values):
    mags = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    return FLOOR_FRACTION * max(mags) if mags else 0.0


def close(a, b, floor):
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= REL_TOL * max(abs(a), abs(b), floor)
    return a == b


def compare(stored, fresh, path, diff, floor=0.0):
    if is_tensor_record(stored) and is_tensor_record(fresh):
        if stored.get("shape") != fresh.get("shape") or stored.get("dtype") != fresh.get("dtype"):
            diff.errors.append("%s: shape/dtype %s %s != %s %s" % (path, stored.get("dtype"), stored.get("shape"),
                                                                 fresh.get("dtype"), fresh.get("shape")))
            return
        f = floor_of(stored["values"])
        worst, where = 0.0, None
        for i, (a, b) in enumerate(zip(stored["values"], fresh["values"])):
            if not close(b, a, f):
                if isinstance(a, float) and isinstance(b, float):
                    rel = abs(a - b) / max(abs(a), abs(b), f)
                    if rel > worst:
                        worst, where = rel, i
                else:
                    worst, where = float("inf"), i
        if where is not None:
            diff.errors.append("%s: values differ, worst at flat index %d (stored %r, now %r, relative %.3g)"
                               % (path, where, stored["values"][where], fresh["values"][where], worst))
        return
    if isinstance(stored, dict) and isinstance(fresh, dict):
        if "class" in stored and "message" in stored and "class" in fresh:
            if stored["class"] != fresh["class"]:
                diff.errors.append("%s: exception class %s != %s" % (path, stored["class"], fresh["class"]))
            elif stored["message"] != fresh["message"]:
                diff.warnings.append("%s: exception message changed: %r -> %r"
                                     % (path, stored["message"], fresh["message"]))
            return
        if list(stored.keys()) != list(fresh.keys()):
            diff.errors.append("%s: keys %s != %s" % (path, list(stored.keys()), list(fresh.keys())))
            return
        for k in stored:
            if k == "stdout":
                if stored[k].split("\n")[0] != fresh[k].split("\n")[0] or \
                        stored[k].count("\n") != fresh[k].count("\n"):
                    diff.errors.append("%s.stdout: printed output changed shape" % path)
                elif stored[k] != fresh[k]:
                    diff.warnings.append("%s.stdout: printed digits changed" % path)
                continue
            if k == "torch_version" and stored[k] != fresh[k]:
                diff.warnings.append("torch %s was recorded, %s is running: training-mode dropout "
                                     "cases depend on PyTorch's RNG" % (stored[k], fresh[k]))
                continue
            compare(stored[k], fresh[k], path + "." + k, diff)
        return
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            diff.errors.append("%s: length %d != %d" % (path, len(stored), len(fresh)))
            return
        for i, (a, b) in enumerate(zip(stored, fresh)):
            label = a.get("id") or a.get("name") if isinstance(a, dict) else None
            compare(a, b, "%s[%s]" % (path, label if label else i), diff)
        return
    if not close(fresh, stored, 0.0):
        diff.errors.append("%s: %r != %r" % (path, stored, fresh))


# --------------------------------------------------------------------------------------------
# The published strings against the seed text.
# --------------------------------------------------------------------------------------------
SEED_OF_CODE = {"S000": "000_fadc730364d408d5.txt", "S002": "002_1e9572e2eacce3e6.txt",
                "S003": "003_458b86459b0fc3c9.txt"}


def seeds_dir():
    shared = os.environ.get("ATTNREF_SHARED") or os.path.join(os.path.dirname(REPO_ROOT), "shared")
    return os.path.join(shared, "seeds")


def verify_published_code():
    """With all whitespace removed, each published string must occur in its seed file."""
    d = seeds_dir()
    if not os.path.isdir(d):
        return None
    problems = []
    for name in sorted(n for n in dir(PUB) if re.match(r"S00\d_", n)):
        with open(os.path.join(d, SEED_OF_CODE[name[:4]]), encoding="utf-8") as f:
            text = re.sub(r"\s+", "", f.read())
        if re.sub(r"\s+", "", getattr(PUB, name)) not in text:
            problems.append(name)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="recompute and compare with seed_outputs.json")
    ap.add_argument("--out", default=OUTPUT_FILE, help="file to write or check (default: %(default)s)")
    args = ap.parse_args()

    problems = verify_published_code()
    if problems is None:
        print("note: %s not found; published code not checked against the seed text" % seeds_dir())
    elif problems:
        print("published code does not match the seed text: %s" % ", ".join(problems))
        return 1

    text = render(build_document())
    if not args.check:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote %s (%d bytes)" % (args.out, len(text.encode("utf-8"))))
        return 0

    with open(args.out, encoding="utf-8") as f:
        stored = json.load(f)
    fresh = json.loads(text)
    diff = Diff()
    compare(stored, fresh, "$", diff)
    for w in diff.warnings:
        print("warning: " + w)
    if diff.errors:
        print("seed outputs differ from %s (%d differences):" % (args.out, len(diff.errors)))
        for e in diff.errors:
            print("  " + e)
        return 1
    print("seed outputs match %s (tolerance %g relative; exceptions by class)" % (args.out, REL_TOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
