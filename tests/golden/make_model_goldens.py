"""Golden values for the guide's ModernCNN and its CosineAnnealingWarmRestarts schedule.

    /usr/bin/python3 tests/golden/make_model_goldens.py
Writes tests/VisionLab.Tests/Golden/modern_cnn.json and schedule.json.
"""
import json
import math
import os

import torch

from guide_models import ModernCNN, fill_state, formula_input

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "VisionLab.Tests", "Golden")
torch.set_num_threads(1)

model = ModernCNN(10)
entries = fill_state(model)
model.eval()
x = formula_input((2, 3, 32, 32))
with torch.no_grad():
    logits = model(x)
    features = {}
    h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    features["stem"] = list(h.shape)
model_golden = {
    "torch": torch.__version__,
    "parameters": sum(p.numel() for p in model.parameters()),
    "state": entries,
    "input_shape": [2, 3, 32, 32],
    "logits": [round(v, 7) for v in logits.flatten().tolist()],
    "stem_shape": features["stem"],
}
with open(os.path.join(OUT, "modern_cnn.json"), "w") as f:
    json.dump(model_golden, f, indent=0)

# The guide's schedule: CosineAnnealingWarmRestarts(T_0=10, T_mult=2), stepped per epoch for 100 epochs,
# and per batch with fractional epochs (epoch + i / iters) for 30 epochs of 7 batches.
def schedule(per_batch):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=3e-4, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=1e-6)
    lrs = []
    if per_batch:
        iters = 7
        for epoch in range(30):
            for i in range(iters):
                sched.step(epoch + i / iters)
                lrs.append(opt.param_groups[0]["lr"])
    else:
        for epoch in range(100):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    return lrs

with open(os.path.join(OUT, "schedule.json"), "w") as f:
    json.dump({"torch": torch.__version__, "base_lr": 3e-4, "t0": 10, "t_mult": 2, "eta_min": 1e-6,
               "per_epoch": schedule(False), "per_batch_iters": 7, "per_batch": schedule(True)}, f)
print("parameters", model_golden["parameters"], "logits", logits[0, :3].tolist())
