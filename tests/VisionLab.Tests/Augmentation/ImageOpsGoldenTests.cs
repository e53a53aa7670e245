using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Augmentation;

/// <summary>Each deterministic op against torchvision 0.14 (tests/golden/make_augmentation_goldens.py).</summary>
public sealed class ImageOpsGoldenTests
{
    static readonly GoldenFile Golden = new("augmentation.json");

    static readonly Dictionary<string, Func<Tensor, Tensor>> Ops = new()
    {
        ["crop_t3_l5_h24_w20"] = im => ImageOps.Crop(im, 3, 5, 24, 20),
        ["pad4_crop_t1_l7"] = im => ImageOps.Crop(ImageOps.Pad(im, 4), 1, 7, 32, 32),
        ["hflip"] = ImageOps.HorizontalFlip,
        ["to_float_normalize_imagenet"] = im => ImageOps.Normalize(ImageOps.ToFloat(im), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ["rotate_15"] = im => ImageOps.Rotate(im, 15),
        ["rotate_-7.5"] = im => ImageOps.Rotate(im, -7.5),
        ["rotate_30"] = im => ImageOps.Rotate(im, 30),
        ["translate_x_6"] = im => ImageOps.Translate(im, 6, 0),
        ["translate_y_-5"] = im => ImageOps.Translate(im, 0, -5),
        ["shear_x_0.3"] = im => ImageOps.Shear(im, 0.3, 0),
        ["shear_y_-0.2"] = im => ImageOps.Shear(im, 0, -0.2),
        ["equalize"] = ImageOps.Equalize,
        ["sharpness_0.2"] = im => ImageOps.Sharpness(im, 0.2),
        ["sharpness_1.8"] = im => ImageOps.Sharpness(im, 1.8),
        ["brightness_0.7"] = im => ImageOps.Brightness(im, 0.7),
        ["brightness_1.3"] = im => ImageOps.Brightness(im, 1.3),
        ["contrast_0.6"] = im => ImageOps.Contrast(im, 0.6),
        ["contrast_1.5"] = im => ImageOps.Contrast(im, 1.5),
        ["color_0.5"] = im => ImageOps.Saturation(im, 0.5),
        ["color_1.5"] = im => ImageOps.Saturation(im, 1.5),
        ["posterize_4"] = im => ImageOps.Posterize(im, 4),
        ["solarize_128"] = im => ImageOps.Solarize(im, 128),
        ["autocontrast"] = ImageOps.AutoContrast,
        ["invert"] = ImageOps.Invert,
        ["hue_0.1"] = im => ImageOps.Hue(im, 0.1),
        ["hue_-0.3"] = im => ImageOps.Hue(im, -0.3),
        ["grayscale_keep"] = ImageOps.GrayscaleKeepChannels,
        ["resized_crop_t4_l2_h20_w24_to32"] = im => ImageOps.ResizedCrop(im, 4, 2, 20, 24, 32),
        ["resized_crop_t0_l0_h9_w7_to32"] = im => ImageOps.ResizedCrop(im, 0, 0, 9, 7, 32),
        ["gaussian_blur_k3_s1.0"] = im => ImageOps.GaussianBlur(im, 3, 1.0),
        ["gaussian_blur_k5_s0.4"] = im => ImageOps.GaussianBlur(im, 5, 0.4),
    };

    public static TheoryData<string> Cases() =>
        new(Golden.Root.GetProperty("outputs").EnumerateObject().Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_torchvision(string name)
    {
        using var scope = NewDisposeScope();
        var (image, op) = (name.Split('/')[0], name.Split('/')[1]);
        var input = GoldenFile.ToTensor(Golden.Root.GetProperty("inputs").GetProperty(image));
        var expected = GoldenFile.ToTensor(Golden.Root.GetProperty("outputs").GetProperty(name));
        var actual = Ops[op](input);
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        if (expected.dtype == ScalarType.Byte)
        {
            var differing = actual.to(ScalarType.Int32).sub(expected.to(ScalarType.Int32)).abs().gt(0).sum().item<long>();
            Assert.True(differing == 0, $"{name}: {differing} of {expected.numel()} uint8 values differ from torchvision (max diff {actual.to(ScalarType.Int32).sub(expected.to(ScalarType.Int32)).abs().max().item<int>()})");
        }
        else
        {
            var maxDiff = (actual - expected).abs().max().item<float>();
            Assert.True(maxDiff <= 1e-4, $"{name}: max abs difference {maxDiff}");
        }
    }
}
