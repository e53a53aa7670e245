"""Reference for `visionlab bench pipeline`: the guide's augmentation pipeline in torchvision, same data,
batch size and image count, through torch.utils.data.DataLoader. Prints images/s per worker count.

    sudo apt-get install python3-torch python3-torchvision
    /usr/bin/python3 tests/benchmarks/pipeline_torchvision.py [images] [rounds]

torchvision's AutoAugment (CIFAR-10 policy) stands in for the guide's AutoAugment, which never changes an image.
"""
import gzip
import os
import statistics
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image
from torch.utils.data import DataLoader, Dataset

IMAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist", "train-images-idx3-ubyte.gz")


class FashionMnist(Dataset):
    def __init__(self, n, transform):
        raw = gzip.open(DATA).read()
        self.images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28)[:n]
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i], mode="L")), 0


transform = T.Compose([
    T.Pad(2), T.Grayscale(num_output_channels=3),
    T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ColorJitter(0.2, 0.2, 0.2), T.RandomRotation(15),
    T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
data = FashionMnist(IMAGES, transform)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {IMAGES} images, batch 128")
for workers in sorted({0, os.cpu_count()}):
    rates = []
    loader = DataLoader(data, batch_size=128, shuffle=True, num_workers=workers, persistent_workers=workers > 0)
    next(iter(loader))  # warm-up
    for _ in range(ROUNDS):
        start = time.perf_counter()
        count = sum(images.shape[0] for images, _ in loader)
        rates.append(count / (time.perf_counter() - start))
    print(f"workers={workers} images/s median={statistics.median(rates):.0f} rounds={', '.join(f'{r:.0f}' for r in rates)}")
