"""Golden values for SimCLR: the NT-Xent loss (a reference implementation of the standard formula), the guide's own
contrastive_loss (docs/guide-errata.md, erratum 4), and the guide's SimCLR model on shared weights.

    /usr/bin/python3 tests/golden/make_simclr_goldens.py
Writes tests/VisionLab.Tests/Golden/simclr.json.
"""
import json
import os

import torch
import torch.nn.functional as F

from guide_models import ModernCNN, SimCLR, fill_state, formula_input

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "VisionLab.Tests", "Golden", "simclr.json")
torch.set_num_threads(1)


def nt_xent(z1, z2, temperature):
    """Chen et al. 2020, eq. 1 averaged over all 2N anchors: cosine similarities / T, the anchor itself excluded,
    the other view of the same image as the positive."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, targets)


def nt_xent_loop(z1, z2, temperature):
    """The same loss written term by term from the paper, as an independent check of nt_xent."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1).double()
    total = 0.0
    for i in range(2 * n):
        j = (i + n) % (2 * n)
        sims = [(z[i] @ z[k]) / temperature for k in range(2 * n) if k != i]
        total += -((z[i] @ z[j]) / temperature - torch.logsumexp(torch.stack(sims), 0))
    return total / (2 * n)


def record(t):
    return {"shape": list(t.shape), "dtype": "float32", "values": [round(v, 7) for v in t.flatten().tolist()]}


torch.manual_seed(0)
cases = []
for name, n, d in (("b8_d16", 8, 16), ("b5_d3", 5, 3)):
    z1, z2 = torch.randn(n, d), torch.randn(n, d)
    for temperature in (0.5, 0.1, 1.0):
        loss = nt_xent(z1, z2, temperature)
        assert abs(loss.item() - nt_xent_loop(z1, z2, temperature).item()) < 1e-5
        cases.append({"name": f"{name}_t{temperature}", "z1": record(z1), "z2": record(z2), "temperature": temperature,
                      "nt_xent": loss.item()})

# The guide's loss against the standard one on identical views (docs/guide-errata.md, erratum 4: 1.38 vs about 1.06 at B = 8, T = 0.5).
guide_model = SimCLR(ModernCNN(10))
z = torch.randn(8, 128)
identical = {"z": record(z), "temperature": 0.5, "guide_loss": guide_model.contrastive_loss(z, z, 0.5).item(),
             "nt_xent": nt_xent(z, z, 0.5).item()}

# The guide's SimCLR on formula weights: encoder without fc, projection 512 -> 512 -> 128.
model = SimCLR(ModernCNN(10))
entries = fill_state(model)
model.eval()
x1, x2 = formula_input((2, 3, 32, 32)), formula_input((2, 3, 32, 32)).flip(-1)
with torch.no_grad():
    z1, z2 = model(x1, x2)
    features = model.encoder(x1)

golden = {"torch": torch.__version__, "cases": cases, "identical_views": identical,
          "model": {"parameters": sum(p.numel() for p in model.parameters()), "state": entries,
                    "z1": record(z1), "z2": record(z2), "features": record(features)}}
with open(OUT, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
print(f"wrote {len(cases)} loss cases, guide loss {identical['guide_loss']:.4f} vs NT-Xent {identical['nt_xent']:.4f}, "
      f"{golden['model']['parameters']:,} parameters to {os.path.normpath(OUT)}")
