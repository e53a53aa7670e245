"""Checks that weights VisionLab exported (`visionlab train --export pytorch`) load into the guide's own
PyTorch model (ModernCNN, or the 32x32 VisionTransformer) with torch.load + load_state_dict, and prints its logits
on a fixed input.

    /usr/bin/python3 tests/golden/check_pytorch_export.py artifacts/train/model.pt [modern-cnn|vit-32|vit-32-prenorm]
"""
import sys

import torch

from guide_models import ModernCNN, VisionTransformer, formula_input

name = sys.argv[2] if len(sys.argv) > 2 else "modern-cnn"
if name == "modern-cnn":
    model = ModernCNN(10)
elif name in ("vit-32", "vit-32-prenorm"):
    model = VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=192, depth=6, num_heads=3,
                              norm_first=name.endswith("prenorm"))
else:
    sys.exit(f"unknown model {name}")
result = model.load_state_dict(torch.load(sys.argv[1], map_location="cpu"))
assert not result.missing_keys and not result.unexpected_keys, result
model.eval()
with torch.no_grad():
    print("all keys matched; logits:", model(formula_input((1, 3, 32, 32)))[0].tolist())
