"""Golden Grad-CAM maps for the guide's ModernCNN on shared (formula) weights.

    /usr/bin/python3 tests/golden/make_gradcam_goldens.py
Writes tests/VisionLab.Tests/Golden/gradcam.json. The reference is the textbook definition, computed with
autograd instead of the guide's hooks (docs/guide-errata.md, erratum 5): CAM = ReLU(sum_k mean(dY_c/dA_k) * A_k), unscaled.
"""
import json
import os

import torch

from guide_models import ModernCNN, fill_state, formula_input

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "VisionLab.Tests", "Golden")
torch.set_num_threads(1)

model = ModernCNN(10)
entries = fill_state(model)
model.eval()
x = formula_input((2, 3, 64, 64))
golden = {"torch": torch.__version__, "state": [e["name"] for e in entries], "input_shape": [2, 3, 64, 64]}
for layer_name in ("layer2", "layer3"):
    activations = {}
    handle = getattr(model, layer_name).register_forward_hook(lambda m, i, o: activations.__setitem__("a", o))
    logits = model(x)
    handle.remove()
    for target in ("predicted", 3):
        classes = logits.argmax(1) if target == "predicted" else torch.full((2,), target)
        score = logits.gather(1, classes.unsqueeze(1)).sum()
        a = activations["a"]
        g, = torch.autograd.grad(score, a, retain_graph=True)
        cam = torch.relu((g.mean(dim=(2, 3), keepdim=True) * a).sum(1))
        golden[f"{layer_name}_{target}"] = {"classes": classes.tolist(), "shape": list(cam.shape),
                                            "cam": [float(v) for v in cam.detach().flatten()]}
with open(os.path.join(OUT, "gradcam.json"), "w") as f:
    json.dump(golden, f)
print({k: v["shape"] for k, v in golden.items() if isinstance(v, dict)})
