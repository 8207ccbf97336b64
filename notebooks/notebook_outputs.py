#!/usr/bin/python3
"""Compares (--check) or stores (--write) a freshly executed notebook's outputs against the committed one.

    notebook_outputs.py --check COMMITTED EXECUTED   exit 1 if a cell's source or output differs
    notebook_outputs.py --write COMMITTED EXECUTED   write EXECUTED, normalised, over COMMITTED

Normalised means: the per-cell execution timestamps that nbclient records are dropped, and cells
tagged "strip-output" (their output names absolute paths or lists a folder in file-system order) keep
no output. The comparison reads every number written in e-notation (1.110e-16) as a placeholder:
those are the measured errors, and NumPy's error against the reference moves by an ulp with the
machine (its SIMD exp and its BLAS pick code paths by CPU). Everything else a cell prints — verdicts,
counts, shapes, headers, values read from the files, the Java reference's own numbers — is compared
exactly.
"""

import difflib
import json
import re
import sys

import nbformat


E_NOTATION = re.compile(r"\d\.\d+e[-+]\d+")


def normalised(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "strip-output" in cell.metadata.get("tags", []):
            cell.outputs = []
    return nb


def visible(nb):
    """The cells as a reader sees them: source and outputs, one JSON line per output."""
    lines = []
    for i, cell in enumerate(nb.cells):
        lines.append(f"--- cell {i} ({cell.cell_type})")
        lines.extend(cell.source.splitlines())
        for output in cell.get("outputs", []):
            lines.append(E_NOTATION.sub("<e-number>", json.dumps(output, sort_keys=True, ensure_ascii=False)))
    return lines


def main(argv):
    if len(argv) != 3 or argv[0] not in ("--check", "--write"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, committed, executed = argv
    fresh = normalised(executed)
    if mode == "--write":
        nbformat.write(fresh, committed)
        print(f"notebook_outputs: wrote {committed}")
        return 0
    diff = list(difflib.unified_diff(visible(normalised(committed)), visible(fresh),
                                     "committed", "executed now", lineterm="", n=1))
    if diff:
        print(f"notebook_outputs: {committed}: the committed outputs differ from what the notebook prints now "
              f"(after an intended change, store them with: bash notebooks/run.sh --write)", file=sys.stderr)
        print("\n".join(diff[:80]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
