"""Writes the first test image of each Fashion-MNIST class as a PNG (for `visionlab predict` and notebook 08).

    /usr/bin/python3 data/samples/make_samples.py     (needs python3-pil)
Reads the bundled subset in data/fashion-mnist (MIT licence, see its README).
"""
import gzip
import os

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "fashion-mnist")
CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]

with gzip.open(os.path.join(SOURCE, "t10k-images-idx3-ubyte.gz")) as f:
    f.read(16)
    pixels = f.read()
with gzip.open(os.path.join(SOURCE, "t10k-labels-idx1-ubyte.gz")) as f:
    f.read(8)
    labels = f.read()
written = set()
for index, label in enumerate(labels):
    if label in written:
        continue
    image = Image.frombytes("L", (28, 28), pixels[index * 784:(index + 1) * 784])
    image.save(os.path.join(HERE, f"{label}-{CLASSES[label]}.png"))
    written.add(label)
    if len(written) == len(CLASSES):
        break
print(f"wrote {len(written)} images to {HERE}")
