"""Golden values for VisionLab's image ops, from torchvision's own tensor implementation.

Run with Debian's PyTorch (not needed by CI; the output is committed):
    sudo apt-get install python3-torch python3-torchvision
    /usr/bin/python3 tests/golden/make_augmentation_goldens.py             # every case
    /usr/bin/python3 tests/golden/make_augmentation_goldens.py --only OP   # OP's cases only; the rest stays byte for byte
Writes tests/VisionLab.Tests/Golden/augmentation.json.

Nearest-neighbour sampling must never meet a tie. A source coordinate exactly half-way between two pixels is
rounded by whichever float path the CPU's kernels take (a shear of -0.2 put 5 of 784 pixels on the other side on
an Intel Xeon with AVX-512). Each geometric case is described by its affine parameters, and `tie_margin` checks, in
float64, that every sampled coordinate stays at least MIN_TIE_MARGIN pixel from a half-integer: far beyond float32
rounding in the grid (about 1e-5 pixel at 32 pixels), so every CPU rounds the same way.
"""
import argparse
import json
import math
import os

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
from torchvision.transforms.functional_tensor import _gen_affine_grid

OUT = os.path.join(os.path.dirname(__file__), "..", "VisionLab.Tests", "Golden", "augmentation.json")

torch.manual_seed(0)
# A colour image with structure (gradients and a bright square) plus noise, and a grayscale one.
yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
base = torch.stack([xx * 8, yy * 8, (xx + yy) * 4])
base[:, 8:20, 10:22] = 230
colour = (base + torch.randint(-20, 21, (3, 32, 32))).clamp(0, 255).to(torch.uint8)
gray = (torch.rand(1, 28, 28) * 200 + 20).to(torch.uint8)
gray[:, 5:15, 5:15] = 250


def affine(img, translate=(0, 0), shear=(0.0, 0.0), center=None):
    return F.affine(img, angle=0.0, translate=list(translate), scale=1.0, shear=list(shear),
                    interpolation=InterpolationMode.NEAREST, fill=[0.0] * img.shape[0], center=center)


# float32 puts torchvision's sampling grid within 4e-6 pixel of the exact coordinate at these sizes (grid_error
# prints it per case), and another CPU's kernels within the same order: 1e-4 pixel is 25 times that.
MIN_TIE_MARGIN = 1e-4


def inverse_matrix(height, width, angle=0.0, translate=(0, 0), shear=(0.0, 0.0), center=None):
    """The matrix F.affine builds (F.rotate too, with angle = -its angle): torchvision's centre is relative to the image's."""
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, [width, height])]
    return F._get_inverse_affine_matrix(center_f, angle, [float(t) for t in translate], 1.0, list(shear))


def source_pixels(matrix, height, width, dtype):
    """Where each output pixel samples, in input pixels: _gen_affine_grid, then grid_sample's align_corners=False."""
    grid = _gen_affine_grid(torch.tensor(matrix, dtype=dtype).reshape(1, 2, 3), w=width, h=height, ow=width, oh=height)
    return ((grid[..., 0] + 1) * width - 1) / 2, ((grid[..., 1] + 1) * height - 1) / 2


def tie_margin(height, width, **params):
    """Smallest distance, in pixels, of a nearest-neighbour source coordinate from a rounding tie (a half-integer),
    computed in float64 (exact to 1e-14 here). Whole-pixel translations have 0.5, the most there is."""
    sx, sy = source_pixels(inverse_matrix(height, width, **params), height, width, torch.float64)
    return min(((v - torch.floor(v)) - 0.5).abs().min().item() for v in (sx, sy))


def grid_error(height, width, **params):
    """How far float32 arithmetic puts the same coordinates from the float64 ones, in pixels."""
    matrix = inverse_matrix(height, width, **params)
    exact, single = source_pixels(matrix, height, width, torch.float64), source_pixels(matrix, height, width, torch.float32)
    return max((e - s.double()).abs().max().item() for e, s in zip(exact, single))


# The nearest-neighbour geometric cases of `ops` below, as the affine parameters their ops pass to torchvision.
# Why each is tie-free (tie_margin checks it for both image sizes, 28 and 32 pixels; the margins are printed):
# - translations move by whole pixels: every source coordinate is an integer (margin 0.5);
# - a shear by s about the top-left corner (torchvision's center=[0, 0]) samples row/column j + s * (i + 0.5):
#   s = 0.3 gives fractional parts .05, .15, ..., .95 (margin 0.05); s = -0.25 gives odd eighths (margin 0.125),
#   exact in binary. The former case, s = -0.2, hit .5 at i + 0.5 = 2.5, 7.5, 12.5, ... (ties: CPU-dependent);
# - rotations by 15, -7.5 and 30 degrees mix the half-integer pixel centres with cos and sin, irrational here:
#   no exact tie; the nearest one is 1.0e-3 pixel away (colour/rotate_-7.5), 300 times the float32 grid error.
# A new case must keep MIN_TIE_MARGIN; the script refuses to write otherwise.
geometric = {
    "rotate_15": dict(angle=-15.0),      # F.rotate(im, a) is the inverse matrix of angle -a about the centre
    "rotate_-7.5": dict(angle=7.5),
    "rotate_30": dict(angle=-30.0),
    "translate_x_6": dict(translate=(6, 0)),
    "translate_y_-5": dict(translate=(0, -5)),
    "shear_x_0.3": dict(shear=(math.degrees(math.atan(0.3)), 0.0), center=[0, 0]),
    "shear_y_-0.25": dict(shear=(0.0, math.degrees(math.atan(-0.25))), center=[0, 0]),
}

ops = {
    "crop_t3_l5_h24_w20": lambda im: F.crop(im, 3, 5, 24, 20),
    "pad4_crop_t1_l7": lambda im: F.crop(F.pad(im, [4, 4, 4, 4], fill=0), 1, 7, 32, 32),
    "hflip": F.hflip,
    "to_float_normalize_imagenet": lambda im: F.normalize(F.convert_image_dtype(im, torch.float32),
                                                          [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    "rotate_15": lambda im: F.rotate(im, 15.0, InterpolationMode.NEAREST, fill=[0.0] * im.shape[0]),
    "rotate_-7.5": lambda im: F.rotate(im, -7.5, InterpolationMode.NEAREST, fill=[0.0] * im.shape[0]),
    "rotate_30": lambda im: F.rotate(im, 30.0, InterpolationMode.NEAREST, fill=[0.0] * im.shape[0]),
    "translate_x_6": lambda im: affine(im, translate=(6, 0)),
    "translate_y_-5": lambda im: affine(im, translate=(0, -5)),
    "shear_x_0.3": lambda im: affine(im, shear=(math.degrees(math.atan(0.3)), 0.0), center=[0, 0]),
    "shear_y_-0.25": lambda im: affine(im, shear=(0.0, math.degrees(math.atan(-0.25))), center=[0, 0]),
    "equalize": F.equalize,
    "sharpness_0.2": lambda im: F.adjust_sharpness(im, 0.2),
    "sharpness_1.8": lambda im: F.adjust_sharpness(im, 1.8),
    "brightness_0.7": lambda im: F.adjust_brightness(im, 0.7),
    "brightness_1.3": lambda im: F.adjust_brightness(im, 1.3),
    "contrast_0.6": lambda im: F.adjust_contrast(im, 0.6),
    "contrast_1.5": lambda im: F.adjust_contrast(im, 1.5),
    "color_0.5": lambda im: F.adjust_saturation(im, 0.5),
    "color_1.5": lambda im: F.adjust_saturation(im, 1.5),
    "posterize_4": lambda im: F.posterize(im, 4),
    "solarize_128": lambda im: F.solarize(im, 128),
    "autocontrast": F.autocontrast,
    "invert": F.invert,
    # SimCLR's views (Chen et al. 2020): hue, grayscale kept at 3 channels, resized crop, blur.
    "hue_0.1": lambda im: F.adjust_hue(im, 0.1),
    "hue_-0.3": lambda im: F.adjust_hue(im, -0.3),
    "grayscale_keep": lambda im: F.rgb_to_grayscale(im, num_output_channels=im.shape[0]),
    "resized_crop_t4_l2_h20_w24_to32": lambda im: F.resized_crop(im, 4, 2, 20, 24, [32, 32], InterpolationMode.BILINEAR),
    "resized_crop_t0_l0_h9_w7_to32": lambda im: F.resized_crop(im, 0, 0, 9, 7, [32, 32], InterpolationMode.BILINEAR),
    "gaussian_blur_k3_s1.0": lambda im: F.gaussian_blur(im, [3, 3], [1.0, 1.0]),
    "gaussian_blur_k5_s0.4": lambda im: F.gaussian_blur(im, [5, 5], [0.4, 0.4]),
}


def record(t):
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "values": [round(v, 6) for v in t.flatten().tolist()] if t.is_floating_point() else t.flatten().tolist()}


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--only", nargs="+", metavar="OP", help="recompute these ops only; every other entry is kept as committed")
parser.add_argument("--out", default=OUT, help="where to write (default: the committed file)")
args = parser.parse_args()

# The rule: no nearest-neighbour case may sample at (or near) a rounding tie.
assert set(geometric) <= set(ops) and all(k in geometric for k in ops if k.split("_")[0] in ("rotate", "translate", "shear"))
for op_name, params in geometric.items():
    for image_name, image in (("colour", colour), ("gray", gray)):
        margin, error = tie_margin(*image.shape[1:], **params), grid_error(*image.shape[1:], **params)
        print(f"{image_name}/{op_name}: nearest rounding tie {margin:.5f} pixel away (float32 grid error {error:.1e})")
        assert margin >= MIN_TIE_MARGIN and margin >= 10 * error, \
            f"{image_name}/{op_name}: a source coordinate is {margin} pixel from a rounding tie: CPUs may round it differently"

golden = {"torch": torch.__version__, "torchvision": torchvision.__version__,
          "inputs": {"colour": record(colour), "gray": record(gray)}, "outputs": {}}
committed = None
if args.only:
    unknown = set(args.only) - set(ops)
    assert not unknown, f"unknown ops: {sorted(unknown)}"
    with open(args.out) as f:
        committed = json.load(f)
    # The kept entries came from these inputs: regenerating them must give the same images.
    assert (committed["torch"], committed["torchvision"]) == (torch.__version__, torchvision.__version__), \
        f"committed from torch {committed['torch']} / torchvision {committed['torchvision']}: regenerate everything"
    assert committed["inputs"] == golden["inputs"], "the inputs differ from the committed ones: regenerate everything"
for image_name, image in (("colour", colour), ("gray", gray)):
    for op_name, op in ops.items():
        if image_name == "gray" and op_name.startswith("to_float"):
            continue
        key = f"{image_name}/{op_name}"
        if committed is not None and op_name not in args.only:
            golden["outputs"][key] = committed["outputs"][key]
        else:
            golden["outputs"][key] = record(op(image))

os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
with open(args.out, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
print(f"wrote {len(golden['outputs'])} outputs to {os.path.normpath(args.out)}"
      + (f" ({', '.join(args.only)} recomputed, the rest as committed)" if args.only else ""))
