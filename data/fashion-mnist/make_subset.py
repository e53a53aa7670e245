"""Writes the bundled Fashion-MNIST subset: the first N images of each official split, unchanged,
in the original gzipped IDX format. Source: Debian's dataset-fashion-mnist package.

    apt-get install dataset-fashion-mnist
    python3 data/fashion-mnist/make_subset.py
"""
import gzip
import os
import struct

SOURCE = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
COUNTS = {"train": 4000, "t10k": 1000}


def subset(kind, split, n):
    with gzip.open(os.path.join(SOURCE, f"{split}-{kind}.gz"), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * (dims - 1), data[8:4 * (dims + 1)]) if dims > 1 else ()
    item = 1
    for d in shape:
        item *= d
    header = struct.pack(">II", magic, n) + data[8:4 * (dims + 1)]
    body = data[4 * (dims + 1): 4 * (dims + 1) + n * item]
    assert n <= count and len(body) == n * item
    # mtime=0: the same input always gives the same bytes.
    with open(os.path.join(HERE, f"{split}-{kind}.gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
            out.write(header + body)


for split, n in COUNTS.items():
    subset("images-idx3-ubyte", split, n)
    subset("labels-idx1-ubyte", split, n)
