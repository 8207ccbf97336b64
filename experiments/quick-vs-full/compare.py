#!/usr/bin/env python3
"""Quick run against full run, per timed point.

Reads the committed full-run timings (experiments/E02, E03, E04 results) and a quick run's
(target/quick/experiments/..., written by `./attnref report --quick`), pairs the points both measured
(same variant, shape, engine and length; E04: same JDK, measure, variant and threads), and writes
experiments/quick-vs-full/comparison.csv with quick/full for each pair. Prints the summary and exits 1
when a quiet pair falls outside ±30% (the bound issue #13 sets for a quiet machine). A pair is quiet when
neither run flagged its point busy for the machine's sake (`load`, `steal`, `others` or `host` in the
`busy` column; `spread` and `jit` describe the point's own samples and do not count; E04's peak rows carry
the same flags) and, where both rows carry a `canary_ms` (the host canary's median beside the point), the
two canaries are within ±15% of each other: the machine ran at the same speed in both runs.

    python3 experiments/quick-vs-full/compare.py [QUICK_BASE]   # default target/quick
    python3 experiments/quick-vs-full/compare.py --table CSV...  # README table, one row per saved comparison
"""
import csv
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOUND = 0.30
MACHINE_BUSY = ("load", "steal", "others", "host")
CANARY_BOUND = 0.15  # Timing.HOST_LIMIT
TABLES = [  # experiment folder, CSV, key columns, value column (a median)
    ("E02-decode", "decode_measured.csv", ("variant", "shape", "engine", "cache_length"), "median_ms"),
    ("E03-prefill", "prefill_measured.csv", ("variant", "shape", "engine", "length"), "median_ms"),
    ("E04-hardware", "sweep.csv", ("java_version", "measure", "variant", "run_threads"), "value"),
]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def machine_busy(row):
    return any(reason in row.get("busy", "").split("+") for reason in MACHINE_BUSY)


def canary_ratio(quick, full):
    """quick canary / full canary, or None when either row has none (results from before the canary)."""
    q, f = quick.get("canary_ms", ""), full.get("canary_ms", "")
    return float(q) / float(f) if q and f else None


def summary(pairs, experiment):
    """quick/full ratios of one experiment's pairs, and of its quiet pairs."""
    ratios = [float(p["quick_over_full"]) for p in pairs if p["experiment"] == experiment]
    quiet = [float(p["quick_over_full"]) for p in pairs if p["experiment"] == experiment and p["quiet"] == "yes"]
    return ratios, quiet


def outside(ratios):
    return sum(abs(x - 1) > BOUND for x in ratios)


def table(paths):
    """One Markdown row per saved comparison.csv: per experiment median [min–max] and pairs within ±30%."""
    print("| quick run | E02 | E03 | E04 | all within ±30% | quiet pairs within ±30% |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        pairs = rows(path)
        cells = [f"`{Path(path).name}`"]
        for e in ("E02", "E03", "E04"):
            ratios, _ = summary(pairs, e)
            cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}], "
                         f"{len(ratios) - outside(ratios)}")
        quiet = [float(p["quick_over_full"]) for p in pairs if p["quiet"] == "yes"]
        cells.append(str(len(pairs) - outside(float(p["quick_over_full"]) for p in pairs)))
        cells.append(f"{len(quiet) - outside(quiet)} of {len(quiet)}")
        print("| " + " | ".join(cells) + " |")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--table":
        return table(sys.argv[2:])
    quick_base = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "quick"
    out = []
    for folder, name, keys, value in TABLES:
        full = {tuple(r[k] for k in keys): r for r in rows(ROOT / "experiments" / folder / "results" / name)}
        for q in rows(quick_base / "experiments" / folder / "results" / name):
            f = full.get(tuple(q[k] for k in keys))
            if f is None or not q[value] or not f[value]:
                continue
            ratio = float(q[value]) / float(f[value])
            canary = canary_ratio(q, f)
            same_speed = canary is None or abs(canary - 1) <= CANARY_BOUND
            out.append({"experiment": folder[:3], "point": " · ".join(q[k] for k in keys), "unit": q.get("unit", "ms"),
                        "full": f[value], "quick": q[value], "quick_over_full": f"{ratio:.4f}",
                        "within_30pct": "yes" if abs(ratio - 1) <= BOUND else "no",
                        "quiet": "yes" if same_speed and not (machine_busy(f) or machine_busy(q)) else "no",
                        "full_busy": f.get("busy", ""), "quick_busy": q.get("busy", ""),
                        "canary_quick_over_full": "" if canary is None else f"{canary:.4f}",
                        "full_commit": f["commit"], "quick_commit": q["commit"],
                        "quick_load_start": q["load_start"], "quick_load_end": q["load_end"]})
    if not out:
        sys.exit("compare: no point was measured by both runs; run ./attnref report --quick first")
    target = ROOT / "experiments" / "quick-vs-full" / "comparison.csv"
    with open(target, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    for e in ("E02", "E03", "E04"):
        rs, quiet = summary(out, e)
        if rs:
            print(f"{e}: {len(rs)} points, quick/full median {statistics.median(rs):.3f} "
                  f"[{min(rs):.3f}–{max(rs):.3f}], outside ±30%: {outside(rs)}; "
                  f"quiet pairs {len(quiet)}, outside ±30%: {outside(quiet)}")
    quiet = [r for r in out if r["quiet"] == "yes"]
    bad = [r for r in quiet if r["within_30pct"] == "no"]
    print(f"all: {len(out)} points, {sum(r['within_30pct'] == 'yes' for r in out)} within ±30%; "
          f"quiet pairs {len(quiet)}, {len(quiet) - len(bad)} within ±30%; wrote {target.relative_to(ROOT)}")
    for r in out:
        if r["within_30pct"] == "no":
            print(f"  outside{'' if r['quiet'] == 'yes' else ' (busy: ' + r['full_busy'] + ' / ' + r['quick_busy'] + ', canary ' + r['canary_quick_over_full'] + ')'}: "
                  f"{r['experiment']} {r['point']}: quick {r['quick']} / full {r['full']} = {r['quick_over_full']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
