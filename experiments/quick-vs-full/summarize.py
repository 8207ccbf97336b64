#!/usr/bin/env python3
"""One README table row per comparison CSV written by compare.py (each quick run's copy under runs/).

Per experiment: quick/full median [min–max] and the points within ±30%; then all points within ±30%, and the
quiet pairs within ±30% of the quiet pairs.

    python3 experiments/quick-vs-full/summarize.py experiments/quick-vs-full/runs/*.csv
"""
import csv
import statistics
import sys

EXPERIMENTS = ("E02", "E03", "E04")


def row(path):
    with open(path, newline="") as f:
        pairs = list(csv.DictReader(f))
    cells = [f"`{path.rsplit('/', 1)[-1]}`"]
    for e in EXPERIMENTS:
        ratios = [float(p["quick_over_full"]) for p in pairs if p["experiment"] == e]
        within = sum(p["within_30pct"] == "yes" for p in pairs if p["experiment"] == e)
        cells.append(f"{statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}], {within}")
    quiet = [p for p in pairs if p["quiet"] == "yes"]
    cells.append(str(sum(p["within_30pct"] == "yes" for p in pairs)))
    cells.append(f"{sum(p['within_30pct'] == 'yes' for p in quiet)} of {len(quiet)}")
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: summarize.py COMPARISON_CSV...")
    print("| quick run | E02 | E03 | E04 | all within ±30% | quiet pairs within ±30% |")
    print("|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        print(row(path))
