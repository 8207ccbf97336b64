#!/usr/bin/env python3
"""The PIT summary of `mvn -Pmutation verify`, per package and in total, as experiments/mutation/score.csv.

Reads target/pit-reports/mutations.xml (or the path given) and writes one row per mutated package and
a `total` row: mutants, killed (KILLED or TIMED_OUT, as PIT counts them), survived, no_coverage, other
(MEMORY_ERROR, RUN_ERROR, NON_VIABLE), score = killed / mutants in percent; then the stamp columns
commit (`-dirty` when src/ or pom.xml had uncommitted changes) and date (UTC, the report's time) of the run.

    python3 experiments/mutation/score.py [mutations.xml] [--out score.csv] [--commit C]
"""
import argparse
import collections
import datetime
import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[2]
KILLED = {"KILLED", "TIMED_OUT"}


def commit():
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "pom.xml"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.strip()
    return head + ("-dirty" if dirty else "")


def tally(report):
    counts = collections.defaultdict(collections.Counter)
    for mutation in ET.parse(report).getroot().iter("mutation"):
        package = mutation.findtext("mutatedClass").rsplit(".", 1)[0]
        status = mutation.get("status")
        kind = ("killed" if status in KILLED else "survived" if status == "SURVIVED"
                else "no_coverage" if status == "NO_COVERAGE" else "other")
        for key in (package, "total"):
            counts[key]["mutants"] += 1
            counts[key][kind] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", default=ROOT / "target" / "pit-reports" / "mutations.xml", type=pathlib.Path)
    parser.add_argument("--out", default=ROOT / "experiments" / "mutation" / "score.csv", type=pathlib.Path)
    parser.add_argument("--commit", help="the commit the report was made from (default: HEAD now)")
    args = parser.parse_args()
    if not args.report.is_file():
        sys.exit(f"score.py: {args.report} does not exist; run `mvn -Pmutation verify` first")
    counts = tally(args.report)
    stamp = [args.commit or commit(), datetime.datetime.fromtimestamp(args.report.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")]
    lines = ["package,mutants,killed,survived,no_coverage,other,score,commit,date"]
    for package in sorted(k for k in counts if k != "total") + ["total"]:
        c = counts[package]
        score = 100.0 * c["killed"] / c["mutants"]
        lines.append(",".join([package] + [str(c[k]) for k in ("mutants", "killed", "survived", "no_coverage", "other")]
                              + [f"{score:.1f}"] + stamp))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"score.py: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
          f"{counts['total']['killed']} of {counts['total']['mutants']} killed")


if __name__ == "__main__":
    main()
