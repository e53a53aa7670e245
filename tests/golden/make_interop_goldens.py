"""Golden files for PyTorch interop, both ways, with a tiny configuration of the guide's VisionTransformer
(img 32, patch 8, dim 32, depth 2, 2 heads, mlp ratio 2: small enough to commit).

    /usr/bin/python3 tests/golden/make_interop_goldens.py
Reads  tests/VisionLab.Tests/Golden/visionlab_vit_tiny.pt   (written by VisionLab's PyTorchWeights.Save)
Writes tests/VisionLab.Tests/Golden/guide_vit_tiny.pt        (the guide's model, seeded init, torch.save(state_dict))
       data/samples/guide_vit_tiny_torchscript.pt           (the same model traced to TorchScript; notebook 08 loads it)
       tests/VisionLab.Tests/Golden/interop.json            (logits PyTorch computes for each, on formula inputs)
"""
import json
import os

import torch

from guide_models import VisionTransformer, formula_input

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "VisionLab.Tests", "Golden")
torch.set_num_threads(1)


def tiny():
    return VisionTransformer(img_size=32, patch_size=8, num_classes=10, embed_dim=32, depth=2, num_heads=2, mlp_ratio=2.0)


x = formula_input((2, 3, 32, 32))

# Theirs -> ours: the guide's model with PyTorch's own (seeded) initialisation.
torch.manual_seed(0)
guide = tiny()
with torch.no_grad():
    guide.pos_embed.normal_(0, 0.5)   # non-zero class token and positions, so loading them is really tested
    guide.cls_token.normal_(0, 0.5)
guide.eval()
with torch.no_grad():
    guide_logits = guide(x)
torch.save(guide.state_dict(), os.path.join(GOLDEN, "guide_vit_tiny.pt"))
# Traced with gradients on, so nn.TransformerEncoderLayer takes its standard path (its no-grad "fast path" differs
# between invocations and fails the tracer's own check); the result is checked against the model below.
traced = torch.jit.trace(guide, x, check_trace=False)
traced.save(os.path.join(HERE, "..", "..", "data", "samples", "guide_vit_tiny_torchscript.pt"))
with torch.no_grad():
    assert torch.allclose(traced(x), guide_logits, atol=1e-6)

# Ours -> theirs: VisionLab's file loaded into the guide's model with PyTorch's own loader, strict.
ours = tiny()
ours.load_state_dict(torch.load(os.path.join(GOLDEN, "visionlab_vit_tiny.pt")), strict=True)
ours.eval()
with torch.no_grad():
    ours_logits = ours(x)

golden = {"torch": torch.__version__, "guide_logits": [round(v, 7) for v in guide_logits.flatten().tolist()],
          "visionlab_file_logits_in_pytorch": [round(v, 7) for v in ours_logits.flatten().tolist()]}
with open(os.path.join(GOLDEN, "interop.json"), "w") as f:
    json.dump(golden, f)
print("wrote guide_vit_tiny.pt, interop.json and data/samples/guide_vit_tiny_torchscript.pt")
