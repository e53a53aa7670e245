#!/usr/bin/env python3
"""The measured checks of executed notebooks (each value and its floor): extracts them as rows of notebook-checks.tsv,
or summarises that file.

    python3 tests/numerics/notebook_checks.py EXECUTED_DIR PROFILE CONFIGURATION SEED >> tests/numerics/notebook-checks.tsv
    python3 tests/numerics/notebook_checks.py --summary [notebook-checks.tsv]

EXECUTED_DIR holds the notebooks `tutorial --seed SEED --output EXECUTED_DIR` wrote; PROFILE, CONFIGURATION (as in
configurations.sh) and SEED are recorded with each row: notebook, check, value, floor. Only checks with a floor (the
statistics a kernel path or a seed can move; a value shown without a floor in this profile gets an empty floor) are kept. The summary gives, per profile and check, the runs (seeds x
configurations), mean, min and max, the floor, and the margin of the minimum over the floor. Standard library only.
"""
import csv
import glob
import html
import json
import os
import re
import statistics
import sys

ROW = re.compile(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>")
VALUE_AND_FLOOR = re.compile(r"^(-?[0-9.Ee+-]+|NaN) \((?:floor (-?[0-9.Ee+-]+)|no floor in this profile)\)$")
DEFAULT_TSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook-checks.tsv")


def checks_of(path):
    cells = [c for c in json.load(open(path, encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for output in reversed(cells[-1].get("outputs", []) if cells else []):
        table = output.get("data", {}).get("text/html")
        if table:
            return ROW.findall("".join(table) if isinstance(table, list) else table)
    return []


def extract(folder, profile, configuration, seed):
    notebooks = sorted(glob.glob(os.path.join(folder, "*.ipynb")))
    if not notebooks:
        sys.exit(f"no executed notebooks in {folder}: run `tutorial --output {folder}` first")
    for path in notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        for check, _, detail in checks_of(path):
            match = VALUE_AND_FLOOR.match(html.unescape(detail).strip())
            if match:
                print("\t".join([profile, configuration, seed, name, html.unescape(check), match[1], match[2] or ""]))


def summarize(path):
    rows = list(csv.DictReader(open(path, encoding="utf-8"), delimiter="\t"))
    groups = {}
    for r in rows:
        groups.setdefault((r["profile"], r["notebook"], r["check"]), []).append(r)
    print("| profile | notebook | check | runs (seeds x configurations) | mean | min | max | floor | min - floor |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for (profile, notebook, check), group in groups.items():
        values = [float(r["value"]) for r in group]
        floor = float(group[-1]["floor"]) if group[-1]["floor"] else None
        seeds = len({r["seed"] for r in group})
        configs = len({r["configuration"] for r in group})
        print(f"| {profile} | {notebook} | {check} | {len(values)} ({seeds} x {configs}) | {statistics.mean(values):.3f} | "
              f"{min(values):.3f} | {max(values):.3f} | {'none' if floor is None else f'{floor:g}'} | "
              f"{'' if floor is None else f'{min(values) - floor:+.3f}'} |")


def main(argv):
    if len(argv) in (2, 3) and argv[1] == "--summary":
        summarize(argv[2] if len(argv) == 3 else DEFAULT_TSV)
    elif len(argv) == 5:
        extract(*argv[1:])
    else:
        sys.exit("usage: " + __doc__.strip().splitlines()[3].strip() + "\n   or: " + __doc__.strip().splitlines()[4].strip())


if __name__ == "__main__":
    main(sys.argv)
