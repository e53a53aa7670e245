#!/usr/bin/env python3
"""Extracts every measured check of executed notebooks (the value and its floor) as rows of notebook-checks.tsv.

    python3 tests/numerics/notebook_checks.py EXECUTED_DIR PROFILE CONFIGURATION >> tests/numerics/notebook-checks.tsv

EXECUTED_DIR holds the notebooks `tutorial --output EXECUTED_DIR` wrote; PROFILE and CONFIGURATION (as in
configurations.sh) are recorded with each row: notebook, check, value, floor. Only checks with a floor (the statistics
a kernel path or a seed can move) are kept. Standard library only.
"""
import glob
import html
import json
import os
import re
import sys

ROW = re.compile(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>")
VALUE_AND_FLOOR = re.compile(r"^(-?[0-9.Ee+-]+) \(floor (-?[0-9.Ee+-]+)\)$")


def checks_of(path):
    cells = [c for c in json.load(open(path, encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    for output in reversed(cells[-1].get("outputs", []) if cells else []):
        table = output.get("data", {}).get("text/html")
        if table:
            return ROW.findall("".join(table) if isinstance(table, list) else table)
    return []


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    folder, profile, configuration = argv[1:]
    notebooks = sorted(glob.glob(os.path.join(folder, "*.ipynb")))
    if not notebooks:
        sys.exit(f"no executed notebooks in {folder}: run `tutorial --output {folder}` first")
    for path in notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        for check, _, detail in checks_of(path):
            match = VALUE_AND_FLOOR.match(html.unescape(detail).strip())
            if match:
                print("\t".join([profile, configuration, name, html.unescape(check), match[1], match[2]]))


if __name__ == "__main__":
    main(sys.argv)
