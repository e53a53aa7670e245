"""Golden values for the guide's VisionTransformer, its attention weights and attention rollout.

    /usr/bin/python3 tests/golden/make_vit_goldens.py
Writes tests/VisionLab.Tests/Golden/vit.json. The guide's own visualize_attention cannot produce weights
(nn.TransformerEncoderLayer calls its attention with need_weights=False, docs/guide-errata.md, erratum 3), so the reference
weights come from calling each layer's self_attn with need_weights=True before running the layer.
"""
import json
import os

import torch

from guide_models import VisionTransformer, fill_state, formula_input

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "VisionLab.Tests", "Golden")
torch.set_num_threads(1)


def rounded(t):
    return [round(v, 7) for v in t.flatten().tolist()]


def attention_per_layer(model, x):
    """The guide's forward, layer by layer, keeping each layer's per-head weights [B, heads, T, T]."""
    B = x.shape[0]
    x = model.patch_embed(x)
    x = torch.cat((model.cls_token.expand(B, -1, -1), x), dim=1)
    x = model.pos_drop(x + model.pos_embed)
    weights = []
    for layer in model.transformer.layers:
        h = layer.norm1(x) if layer.norm_first else x
        _, w = layer.self_attn(h, h, h, need_weights=True, average_attn_weights=False)
        weights.append(w)
        x = layer(x)
    return weights


def rollout(weights):
    """Abnar & Zuidema (2020): (mean over heads + I) / 2, rows renormalised, multiplied first to last."""
    result = None
    for w in weights:
        a = w.mean(dim=1)
        a = (a + torch.eye(a.shape[-1])) / 2
        a = a / a.sum(dim=-1, keepdim=True)
        result = a if result is None else a @ result
    return result


golden = {"torch": torch.__version__,
          "parameters_default": sum(p.numel() for p in VisionTransformer().parameters())}
for name, norm_first in (("post_norm", False), ("pre_norm", True)):
    model = VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=192, depth=6, num_heads=3, norm_first=norm_first)
    entries = fill_state(model)
    model.eval()
    x = formula_input((2, 3, 32, 32))
    with torch.no_grad():
        logits = model(x)
        weights = attention_per_layer(model, x)
        roll = rollout(weights)
    golden[name] = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "state": entries,
        "logits": rounded(logits),
        # The class token's attention over the 64 patches in the last layer, per head: [2, 3, 64].
        "cls_attention_last": rounded(weights[-1][:, :, 0, 1:]),
        "rollout_cls": rounded(roll[:, 0, 1:]),
    }
with open(os.path.join(OUT, "vit.json"), "w") as f:
    json.dump(golden, f)
print("default", golden["parameters_default"], "small", golden["post_norm"]["parameters"], golden["post_norm"]["logits"][:3])
