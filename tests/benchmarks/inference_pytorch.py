"""Reference for `visionlab bench inference --compare-pytorch`: the guide's model in eager PyTorch inference
(model.eval(), torch.no_grad(), fp32 on the CPU), random 32x32 inputs, at the given batch sizes.

    /usr/bin/python3 tests/benchmarks/inference_pytorch.py [modern-cnn|vit-32] [repetitions] [batch sizes...]

Prints one line per batch size: "batch N: images/s median X". Threads: one per core unless VISIONLAB_THREADS.
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "golden"))
from guide_models import ModernCNN, VisionTransformer  # noqa: E402

MODEL = sys.argv[1] if len(sys.argv) > 1 else "modern-cnn"
REPETITIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
BATCHES = [int(b) for b in sys.argv[3:]] or [1, 32]
torch.set_num_threads(int(os.environ.get("VISIONLAB_THREADS", os.cpu_count())))
torch.manual_seed(0)
model = ModernCNN(10) if MODEL == "modern-cnn" else VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=192, depth=6, num_heads=3)
model.eval()
with torch.no_grad():
    for batch in BATCHES:
        x = torch.randn(batch, 3, 32, 32)
        for _ in range(3):
            model(x)  # warm-up, as the C# side
        times = []
        for _ in range(REPETITIONS):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
        print(f"{MODEL}: torch {torch.__version__}, {torch.get_num_threads()} threads, batch {batch}: images/s median {batch / statistics.median(times):.1f}")
