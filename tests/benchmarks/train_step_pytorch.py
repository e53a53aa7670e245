"""Reference for `visionlab bench train`: the guide's training step in PyTorch (AdamW 3e-4 / 0.05, cross-entropy
with label smoothing 0.1, clip_grad_norm_ 1.0), batch 128, 32x32 random inputs, for the guide's ModernCNN or its
32x32 VisionTransformer (patch 4, dim 192, depth 6, 3 heads). On CUDA when torch sees a GPU (the guide's own
device choice), else on the CPU; precision fp32, or on CUDA fp16 (the guide's autocast + GradScaler) or bf16.

The -tiny models are the host-cost stand-in (issue 17): the same layers and operations at a negligible width
(ModernCNN's stem 4 channels instead of 64; the ViT's dim 12 instead of 192), so the time of a step is what the host
spends issuing it, as on a GPU. They use AdamW's multi-tensor path (foreach=True), and the script also reports the
aten operations of one step as the profiler counts them.

    python3 tests/benchmarks/train_step_pytorch.py [batches] [rounds] [modern-cnn|vit-32|modern-cnn-tiny|vit-32-tiny] [batch size] [fp32|fp16|bf16]

Needs an optimised BLAS under Debian's torch (tests/benchmarks/install-pytorch-reference.sh installs OpenBLAS);
the BLAS in use is printed.
"""
import contextlib
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from guide_models import ModernCNN, VisionTransformer  # noqa: E402

BATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 10
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
MODEL = sys.argv[3] if len(sys.argv) > 3 else "modern-cnn"
BATCH = int(sys.argv[4]) if len(sys.argv) > 4 else 128
PRECISION = sys.argv[5] if len(sys.argv) > 5 else "fp32"
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
if PRECISION != "fp32" and DEVICE.type != "cuda":
    sys.exit(f"{PRECISION} needs CUDA: the guide's autocast/GradScaler are CUDA APIs (docs/guide-errata.md, erratum 7)")
AUTOCAST_TYPE = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(PRECISION)
BLAS = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
if not torch.cuda.is_available() and "openblas" not in BLAS and "blis" not in BLAS and "mkl" not in BLAS:
    print(f"warning: torch uses the reference BLAS ({BLAS}); install libopenblas0-pthread for a fair comparison", file=sys.stderr)
# Same thread count as TorchSharp's default (one per core) unless VISIONLAB_THREADS says otherwise.
torch.set_num_threads(int(os.environ.get("VISIONLAB_THREADS", os.cpu_count())))


class NarrowModernCNN(ModernCNN):
    """The guide's ModernCNN with every width divided by 64 / width: the same layers, in the same order."""

    def __init__(self, num_classes, width):
        nn.Module.__init__(self)
        self.conv1 = nn.Conv2d(3, width, 7, 2, padding=3)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, padding=1)
        self.layer1 = self._make_layer(width, 2 * width, 2)
        self.layer2 = self._make_layer(2 * width, 4 * width, 2, stride=2)
        self.layer3 = self._make_layer(4 * width, 8 * width, 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * width, num_classes)
        self._initialize_weights()


torch.manual_seed(0)
TINY = MODEL.endswith("-tiny")
if MODEL == "modern-cnn":
    model = ModernCNN(10)
elif MODEL == "modern-cnn-tiny":
    model = NarrowModernCNN(10, width=4)
elif MODEL in ("vit-32", "vit-32-tiny"):
    model = VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=12 if TINY else 192, depth=6, num_heads=3)
else:
    sys.exit(f"unknown model {MODEL}: use modern-cnn, vit-32, modern-cnn-tiny or vit-32-tiny")
model = model.to(DEVICE)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05, foreach=True if TINY else None)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
data = torch.rand(BATCHES + 1, BATCH, 3, 32, 32)
targets = torch.randint(0, 10, (BATCHES + 1, BATCH))
scaler = torch.cuda.amp.GradScaler(enabled=PRECISION == "fp16")
model.train()
rates = []


def peak_rss_mib():
    """This process's own peak: VmHWM. ru_maxrss is not: Linux carries it over fork and exec, so a child of a bigger
    process (the .NET benchmark that starts this script) would report its parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synchronize():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def step(i):
    optimizer.zero_grad()
    # Batches start on the CPU and are copied per step, as the C# trainer's loader batches are.
    inputs, labels = data[i].to(DEVICE, non_blocking=True), targets[i].to(DEVICE, non_blocking=True)
    with torch.autocast(DEVICE.type, dtype=AUTOCAST_TYPE) if AUTOCAST_TYPE else contextlib.nullcontext():
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    scaler.step(optimizer)
    scaler.update()


for _ in range(ROUNDS):
    start = None
    for i in range(BATCHES + 1):
        if i == 1:
            synchronize()
            start = time.perf_counter()  # the first batch warms up, as in the C# run
        step(i)
    synchronize()
    rates.append(BATCHES * BATCH / (time.perf_counter() - start))
operations = ""
if TINY:
    # After the timed rounds: the profiler's own cost must not be timed. Top-level aten operations of one step,
    # forward, backward (autograd's thread) and optimizer together.
    with torch.autograd.profiler.profile() as profile:
        step(0)
    count = sum(1 for event in profile.function_events if event.cpu_parent is None and event.name.startswith("aten::"))
    operations = f", aten ops per step {count}"
where = torch.cuda.get_device_name(0) if DEVICE.type == "cuda" else f"BLAS {os.path.basename(os.path.dirname(BLAS))}"
print(f"{MODEL}: torch {torch.__version__}, {DEVICE.type} {PRECISION}, {torch.get_num_threads()} threads, {where}, batch {BATCH}: images/s median {statistics.median(rates):.0f} "
      f"(rounds: {', '.join(f'{r:.0f}' for r in rates)}), peak RSS {peak_rss_mib():.0f} MiB{operations}")
