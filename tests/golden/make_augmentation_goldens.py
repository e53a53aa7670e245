"""Golden values for VisionLab's image ops, from torchvision's own tensor implementation.

Run with Debian's PyTorch (not needed by CI; the output is committed):
    sudo apt-get install python3-torch python3-torchvision
    /usr/bin/python3 tests/golden/make_augmentation_goldens.py
Writes tests/VisionLab.Tests/Golden/augmentation.json.
"""
import json
import math
import os

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

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
    "shear_y_-0.2": lambda im: affine(im, shear=(0.0, math.degrees(math.atan(-0.2))), center=[0, 0]),
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


golden = {"torch": torch.__version__, "torchvision": torchvision.__version__,
          "inputs": {"colour": record(colour), "gray": record(gray)}, "outputs": {}}
for image_name, image in (("colour", colour), ("gray", gray)):
    for op_name, op in ops.items():
        if image_name == "gray" and op_name.startswith("to_float"):
            continue
        golden["outputs"][f"{image_name}/{op_name}"] = record(op(image))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(golden, f, separators=(",", ":"))
print(f"wrote {len(golden['outputs'])} outputs to {os.path.normpath(OUT)}")
