"""Summarises tests/numerics/spread.tsv (written by measure-spread.sh) as Markdown tables.

    python3 tests/numerics/summarize.py [spread.tsv]

Per statistic: runs, mean, min and max over every seed and configuration, then the same per configuration, and
whether the configurations changed the arithmetic (the final training loss differs from the default's at the same seed).
"""
import csv
import os
import statistics
import sys

path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "spread.tsv")
rows = list(csv.DictReader(open(path), delimiter="\t"))
configs = list(dict.fromkeys(r["configuration"] for r in rows))
keys = list(dict.fromkeys((r["test"], r["statistic"]) for r in rows))


def values(test, stat, config=None):
    return [float(r["value"]) for r in rows
            if (r["test"], r["statistic"]) == (test, stat) and (config is None or r["configuration"] == config)]


def cell(vs):
    return f"{statistics.mean(vs):.3f} [{min(vs):.3f}, {max(vs):.3f}]" if vs else ""


print("| test | statistic | runs | mean | min | max |")
print("|---|---|---:|---:|---:|---:|")
for test, stat in keys:
    vs = values(test, stat)
    print(f"| {test} | {stat} | {len(vs)} | {statistics.mean(vs):.4f} | {min(vs):.4f} | {max(vs):.4f} |")

print()
print("Per configuration, mean [min, max] over its seeds:")
print()
print("| test | statistic | " + " | ".join(f"{c} ({len(set(r['seed'] for r in rows if r['configuration'] == c))} seeds)" for c in configs) + " |")
print("|---|---|" + "---:|" * len(configs))
for test, stat in keys:
    print(f"| {test} | {stat} | " + " | ".join(cell(values(test, stat, c)) for c in configs) + " |")

print()
print("Did a configuration change the arithmetic? Final training loss against the default's at the same seed:")
print()
loss = {(r["test"], r["configuration"], r["seed"]): float(r["value"]) for r in rows if r["statistic"] == "final_train_loss"}
tests = list(dict.fromkeys(t for t, _ in keys))
print("| test | " + " | ".join(c for c in configs if c != "default") + " |")
print("|---|" + "---|" * (len(configs) - 1))
for test in tests:
    cells = []
    for c in configs:
        if c == "default":
            continue
        pairs = [(loss[(test, c, s)], loss[(test, "default", s)]) for (t, cc, s) in loss if t == test and cc == c and (test, "default", s) in loss]
        cells.append(f"{sum(a != b for a, b in pairs)} of {len(pairs)} seeds differ" if pairs else "")
    print(f"| {test} | " + " | ".join(cells) + " |")
