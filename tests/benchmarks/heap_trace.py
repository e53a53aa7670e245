"""Reads a trace from malloc_trace.c: how far the main heap extends against what is live in it, over the run, and which
callers keep small blocks alive across training steps (a small block that outlives the step's large ones splits the
holes they leave, so the next step's blocks do not fit and the heap grows).

    /usr/bin/python3 tests/benchmarks/heap_trace.py TRACE [--skip 0.4] [--step 80000] [--perf-map /tmp/perf-PID.map]

--skip: the share of events before training (start-up, the model's creation) left out of the caller counts.
--step: events in one training step (about 80,000 for ModernCNN at batch 128); a block living longer outlives a step.
--perf-map: names JIT-compiled .NET frames (run the traced process with DOTNET_PerfMapEnabled=1); default: the newest.
Needs numpy (Debian's /usr/bin/python3 has it with python3-torch).
"""
import argparse, bisect, collections, glob, heapq, os, subprocess
import numpy as np

EVENT = np.dtype([("seq", "<u8"), ("ptr", "<u8"), ("size", "<u8"), ("caller", "<u8"), ("tid", "<u4"), ("op", "<u4"), ("frames", "<u8", (8,))])
ALLOCATED = 0

parser = argparse.ArgumentParser()
parser.add_argument("trace")
parser.add_argument("--skip", type=float, default=0.4)
parser.add_argument("--step", type=int, default=80000)
parser.add_argument("--perf-map")
args = parser.parse_args()

events = np.fromfile(args.trace, dtype=EVENT)
events = events[np.argsort(events["seq"])]
maps = [line.split() for line in open(args.trace + ".maps")]
heap_start = int(next(m for m in maps if m[-1] == "[heap]")[0].split("-")[0], 16)
in_heap = lambda p: heap_start <= p < heap_start + (1 << 36)
modules = sorted((int(m[0].split("-")[0], 16), int(m[0].split("-")[1], 16), int(m[2], 16), m[5]) for m in maps if len(m) >= 6 and "x" in m[1])
perf_maps = [args.perf_map] if args.perf_map else sorted(glob.glob("/tmp/perf-*.map"), key=os.path.getmtime)[-1:]
jitted = sorted((int(a, 16), int(a, 16) + int(n, 16), name) for a, n, name in (l.rstrip("\n").split(" ", 2) for p in perf_maps for l in open(p)))
jitted_starts = [j[0] for j in jitted]
symbol_tables = {}

def symbols(path):
    if path not in symbol_tables:
        out = subprocess.run(["nm", "-D", "-C", "--defined-only", path], capture_output=True, text=True).stdout
        symbol_tables[path] = sorted((int(f[0], 16), f[2]) for f in (l.split(" ", 2) for l in out.splitlines()) if len(f) == 3 and f[1] in "TtWw")
    return symbol_tables[path]

def name(address):
    if address == 0: return None
    i = bisect.bisect_right(jitted_starts, address) - 1
    if i >= 0 and address < jitted[i][1]: return jitted[i][2][:100]
    for start, end, offset, path in modules:
        if start <= address < end:
            table = symbols(path); j = bisect.bisect_right(table, (address - start + offset, "\uffff")) - 1
            return os.path.basename(path) + ":" + (table[j][1][:80] if j >= 0 else "?")
    return "?"

# The heap's extent (highest end of a live block) and its live bytes, over the run.
live, ends, lifetime = {}, [], np.full(len(events), -1, dtype=np.int64)
heap_live, timeline = 0, []
for i, (p, size, op) in enumerate(zip(events["ptr"].tolist(), events["size"].tolist(), events["op"].tolist())):
    if op == ALLOCATED:
        live[p] = (size, i)
        if in_heap(p): heap_live += size; heapq.heappush(ends, (-(p + size), p, i))
    else:
        block = live.pop(p, None)
        if block:
            lifetime[block[1]] = i - block[1]
            if in_heap(p): heap_live -= block[0]
    if i % 1000 == 0:
        while ends and live.get(ends[0][1], (0, -1))[1] != ends[0][2]: heapq.heappop(ends)
        timeline.append((i, (-ends[0][0] - heap_start) if ends else 0, heap_live))
print(f"{len(events)} events; main heap: extent (highest live block's end) against live bytes, MiB")
for i, extent, held in timeline[:: max(1, len(timeline) // 30)]:
    print(f"  event {i:9d}  extent {extent / 2**20:7.1f}  live {held / 2**20:7.1f}")
print(f"  most: extent {max(t[1] for t in timeline) / 2**20:.1f}, live {max(t[2] for t in timeline) / 2**20:.1f}")

# Small heap blocks allocated during training that outlive a step, by the first caller outside the allocator.
chosen = np.nonzero((events["op"] == ALLOCATED) & (np.arange(len(events)) >= int(args.skip * len(events))) & (events["size"] < 4096))[0]
counts, outliving = collections.Counter(), collections.Counter()
for i in chosen:
    if not in_heap(int(events["ptr"][i])): continue
    frames = [name(int(f)) for f in events["frames"][i]]
    frames = [f for f in frames if f]
    while frames and frames[0].startswith(("libstdc++", "libc.so")): frames = frames[1:]
    key = " <- ".join(frames[:2]) or "?"
    counts[key] += 1
    if lifetime[i] < 0 or lifetime[i] > args.step: outliving[key] += 1
print(f"\nsmall heap blocks allocated in training: {sum(counts.values())}, outliving a step ({args.step} events): {sum(outliving.values())}")
for key, n in outliving.most_common(15):
    print(f"  {n:6d} of {counts[key]:7d}  {key}")
