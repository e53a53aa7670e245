"""Checks that weights VisionLab exported (`visionlab train --export pytorch`) load into the guide's own
PyTorch ModernCNN with torch.load + load_state_dict, and prints its logits on a fixed input.

    /usr/bin/python3 tests/golden/check_pytorch_export.py artifacts/train/model.pt
"""
import sys

import torch

from guide_models import ModernCNN, formula_input

model = ModernCNN(10)
result = model.load_state_dict(torch.load(sys.argv[1], map_location="cpu"))
assert not result.missing_keys and not result.unexpected_keys, result
model.eval()
with torch.no_grad():
    print("all keys matched; logits:", model(formula_input((1, 3, 32, 32)))[0].tolist())
