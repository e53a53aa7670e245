using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Augmentation;

/// <summary>Each deterministic op against torchvision 0.14 (tests/golden/make_augmentation_goldens.py).</summary>
public sealed class ImageOpsGoldenTests
{
    static readonly GoldenFile Golden = new("augmentation.json");

    // Nearest-neighbour cases must sample away from rounding ties: a source coordinate exactly half-way between two
    // pixels is rounded by whichever float path the CPU's kernels take (shear_y -0.2 sampled rows j + 0.2 * (i + 0.5),
    // .5 at i = 2, 7, 12, ...: 5 of 784 pixels went the other way on an Intel Xeon with AVX-512). Whole-pixel
    // translations sample integers; shears of 0.3 and -0.25 have fractional parts .05, .15, ... and odd eighths;
    // the rotations' nearest tie is 0.001 pixel away. Nearest_neighbour_cases_keep_away_from_rounding_ties checks it
    // here, make_augmentation_goldens.py checks it in torchvision's arithmetic before writing.
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
        ["shear_y_-0.25"] = im => ImageOps.Shear(im, 0, -0.25),
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

    /// <summary>The inverse matrices the nearest-neighbour ops above build for a height x width image.</summary>
    static readonly Dictionary<string, Func<double, double, double[]>> GeometricMatrices = new()
    {
        ["rotate_15"] = (_, _) => ImageOps.InverseAffineMatrix((0, 0), -15, (0, 0), 1.0, (0, 0)),
        ["rotate_-7.5"] = (_, _) => ImageOps.InverseAffineMatrix((0, 0), 7.5, (0, 0), 1.0, (0, 0)),
        ["rotate_30"] = (_, _) => ImageOps.InverseAffineMatrix((0, 0), -30, (0, 0), 1.0, (0, 0)),
        ["translate_x_6"] = (_, _) => ImageOps.InverseAffineMatrix((0, 0), 0, (6, 0), 1.0, (0, 0)),
        ["translate_y_-5"] = (_, _) => ImageOps.InverseAffineMatrix((0, 0), 0, (0, -5), 1.0, (0, 0)),
        ["shear_x_0.3"] = (h, w) => ImageOps.InverseAffineMatrix((-0.5 * w, -0.5 * h), 0, (0, 0), 1.0, (Math.Atan(0.3) * 180 / Math.PI, 0)),
        ["shear_y_-0.25"] = (h, w) => ImageOps.InverseAffineMatrix((-0.5 * w, -0.5 * h), 0, (0, 0), 1.0, (0, Math.Atan(-0.25) * 180 / Math.PI)),
    };

    [Fact]
    public void Nearest_neighbour_cases_keep_away_from_rounding_ties()
    {
        Assert.Equal(Ops.Keys.Where(k => k.StartsWith("rotate", StringComparison.Ordinal) || k.StartsWith("translate", StringComparison.Ordinal) || k.StartsWith("shear", StringComparison.Ordinal)).Order(),
            GeometricMatrices.Keys.Order());
        foreach (var (name, matrixFor) in GeometricMatrices)
        foreach (var size in new[] { 28, 32 })
        {
            // Where output pixel (i, j) samples, in input pixels, exactly (double): the grid's pixel centres relative
            // to the image centre, through the matrix, back to pixels as grid_sample(align_corners: false) does.
            var m = matrixFor(size, size);
            double margin = double.MaxValue;
            for (int j = 0; j < size; j++)
            for (int i = 0; i < size; i++)
            {
                double x = i - size / 2.0 + 0.5, y = j - size / 2.0 + 0.5;
                foreach (var source in new[] { m[0] * x + m[1] * y + m[2] + (size - 1) / 2.0, m[3] * x + m[4] * y + m[5] + (size - 1) / 2.0 })
                    margin = Math.Min(margin, Math.Abs(source - Math.Floor(source) - 0.5));
            }
            // float32 puts the grid within ~4e-6 pixel of these coordinates; 1e-4 leaves 25 times that.
            Assert.True(margin >= 1e-4, $"{name} at {size}x{size}: a source coordinate is {margin:E2} pixel from a rounding tie, which CPUs may break differently");
        }
    }

    public static TheoryData<string> Cases() =>
        new(Golden.Root.GetProperty("outputs").EnumerateObject().Select(p => p.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Numerics")]
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
