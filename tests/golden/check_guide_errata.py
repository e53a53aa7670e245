"""Runs the guide's own code where docs/guide-errata.md describes what happens at run time (errata 3 and 7), and fails
if PyTorch no longer behaves as the errata say.

    /usr/bin/python3 tests/golden/check_guide_errata.py
Prints one line per case. Checked with Debian's python3-torch 1.13 on a CPU.
"""
import warnings

import torch

from guide_models import VisionTransformer


def visualize_attention_failure(num_heads):
    """The guide's visualize_attention up to where it raises; returns (exception type, hook calls)."""
    torch.manual_seed(0)
    model = VisionTransformer(img_size=32, patch_size=4, num_classes=10, embed_dim=48, depth=2, num_heads=num_heads)
    model.eval()
    with torch.no_grad():
        attention_weights = []

        def hook_fn(module, input, output):
            attention_weights.append(output[1])

        handle = model.transformer.layers[-1].self_attn.register_forward_hook(hook_fn)
        _ = model(torch.randn(1, 3, 32, 32))
        handle.remove()
        try:
            attention_weights[0].squeeze(0)
        except (IndexError, AttributeError) as e:
            return type(e).__name__, len(attention_weights)
    return None, len(attention_weights)


# Erratum 3: an even head count takes the fused fast path (the hook never fires), an odd one passes
# need_weights=False (the hook sees None). Either way the function raises.
for heads, expected in ((12, ("IndexError", 0)), (4, ("IndexError", 0)), (3, ("AttributeError", 1))):
    got = visualize_attention_failure(heads)
    print(f"erratum 3, {heads} heads: {got[0]} after {got[1]} hook call(s)")
    assert got == expected, f"erratum 3 with {heads} heads: expected {expected}, got {got}"

# Erratum 7: without CUDA the guide's GradScaler and autocast switch themselves off with a warning each.
if not torch.cuda.is_available():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = torch.cuda.amp.GradScaler()
        with torch.cuda.amp.autocast():
            pass
    messages = [str(w.message) for w in caught]
    print(f"erratum 7, no CUDA: GradScaler enabled={scaler.is_enabled()}; warnings: {messages}")
    assert not scaler.is_enabled()
    assert any("GradScaler" in m and "Disabling" in m for m in messages), messages
    assert any("autocast" in m or "device_type of 'cuda'" in m for m in messages), messages
else:
    print("erratum 7: CUDA is present here, so the CPU behaviour was not checked")
print("the errata hold")
