using TorchSharp;
using VisionLab.Augmentation;
using static TorchSharp.torch;

namespace VisionLab.Tests.Augmentation;

/// <summary>Random transforms, checked statistically and against the deterministic ops they draw parameters for.</summary>
public sealed class RandomTransformTests
{
    static Tensor TestImage(int seed = 0)
    {
        var random = new Random(seed);
        var bytes = new byte[3 * 32 * 32];
        random.NextBytes(bytes);
        return tensor(bytes, new long[] { 3, 32, 32 }, ScalarType.Byte);
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Horizontal_flip_rate_is_one_half()
    {
        using var scope = NewDisposeScope();
        var image = TestImage();
        var flip = new RandomHorizontalFlip();
        var random = new Random(1);
        int flipped = Enumerable.Range(0, 10_000).Count(_ => !Same(flip.Apply(image, random), image));
        Assert.InRange(flipped / 10_000.0, 0.48, 0.52);
    }

    [Fact]
    public void Random_crop_with_padding_visits_every_offset_and_keeps_the_size()
    {
        using var scope = NewDisposeScope();
        var image = TestImage();
        var crop = new RandomCrop(32, Padding: 4);
        var padded = ImageOps.Pad(image, 4);
        var seen = new HashSet<(int, int)>();
        var random = new Random(2);
        for (int i = 0; i < 2000; i++)
        {
            var result = crop.Apply(image, random);
            // Find which offset it took: it must equal a crop of the padded image.
            var match = Enumerable.Range(0, 81).Select(k => (k / 9, k % 9)).First(o => Same(ImageOps.Crop(padded, o.Item1, o.Item2, 32, 32), result));
            seen.Add(match);
            Assert.Equal(new long[] { 3, 32, 32 }, result.shape);
        }
        Assert.Equal(81, seen.Count);
    }

    [Fact]
    public void Random_rotation_rotates_by_the_angle_it_draws()
    {
        using var scope = NewDisposeScope();
        var image = TestImage();
        for (int seed = 0; seed < 20; seed++)
        {
            var angle = (new Random(seed).NextDouble() * 2 - 1) * 15;
            Assert.InRange(angle, -15, 15);
            Assert.True(Same(ImageOps.Rotate(image, angle), new RandomRotation(15).Apply(image, new Random(seed))));
        }
    }

    [Fact]
    public void Color_jitter_brightness_factor_stays_within_its_range()
    {
        using var scope = NewDisposeScope();
        var gray = full(new long[] { 3, 8, 8 }, 100, ScalarType.Byte);
        var jitter = new ColorJitter(Brightness: 0.2);
        var random = new Random(3);
        var means = Enumerable.Range(0, 500).Select(_ => jitter.Apply(gray, random).to(ScalarType.Float32).mean().item<float>()).ToList();
        Assert.InRange(means.Min(), 80, 84);   // factor near 0.8
        Assert.InRange(means.Max(), 116, 120); // factor near 1.2
    }

    [Fact]
    public void Cutout_zeroes_at_most_a_size_by_size_square()
    {
        using var scope = NewDisposeScope();
        var image = full(new long[] { 3, 32, 32 }, 255, ScalarType.Byte);
        var random = new Random(4);
        for (int i = 0; i < 200; i++)
        {
            var zeros = new Cutout(16).Apply(image, random).eq(0).sum().item<long>() / 3;
            Assert.InRange(zeros, 64, 256); // clipped at a corner: at least 8x8 remains inside
        }
    }

    [Fact]
    public void The_guide_policy_really_runs()
    {
        using var scope = NewDisposeScope();
        var random = new Random(5);
        int changed = Enumerable.Range(0, 400).Count(i =>
        {
            var image = TestImage(i);
            return !Same(AutoAugment.Guide.Apply(image, random), image);
        });
        // P(at least one op applies), averaged over the four sub-policies, is 0.685.
        Assert.InRange(changed / 400.0, 0.6, 0.77);
    }

    [Theory]
    [InlineData("cifar10")]
    [InlineData("guide")]
    public void Every_operation_of_a_policy_changes_an_image(string policyName)
    {
        using var scope = NewDisposeScope();
        var policy = policyName == "guide" ? AutoAugment.Guide : AutoAugment.Cifar10;
        // A narrower range than 0..255, so AutoContrast has something to stretch.
        var image = (TestImage(7).to(ScalarType.Int32) * 200 / 255 + 30).to(ScalarType.Byte);
        foreach (var op in policy.Policy.SelectMany(p => p).DistinctBy(o => (o.Name, o.Magnitude)))
        {
            if (op.Name == "Color" && op.Magnitude == 0) continue; // magnitude bin 0: factor 1, by design no change
            var always = AutoAugment.Custom([[op with { Probability = 1.0 }]], binnedMagnitudes: policy == AutoAugment.Cifar10, "one op");
            var result = always.Apply(image, new Random(8));
            Assert.Equal(image.shape, result.shape);
            Assert.False(Same(result, image), $"{op.Name}({op.Magnitude}) left the image unchanged");
        }
    }

    [Fact]
    public void AutoAugment_refuses_float_images_with_advice()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => AutoAugment.Cifar10.Apply(rand(3, 8, 8), new Random(0)));
        Assert.Contains("before ToTensor", error.Message);
    }

    [Fact]
    public void Grayscale_images_fit_three_channel_models()
    {
        using var scope = NewDisposeScope();
        var digit = randint(0, 255, new long[] { 1, 28, 28 }, ScalarType.Byte);
        var rgb = new Compose(new Pad(2), new ToRgb(), new ToTensor()).Apply(digit, new Random(0));
        Assert.Equal(new long[] { 3, 32, 32 }, rgb.shape);
        Assert.True(Same(rgb[0], rgb[1]) && Same(rgb[1], rgb[2]));
        Assert.True(Same(rgb[0, TensorIndex.Slice(2, 30), TensorIndex.Slice(2, 30)], ImageOps.ToFloat(digit[0])));
        Assert.Equal(new long[] { 3, 32, 32 }, Normalize.ImageNet.Apply(rgb, new Random(0)).shape);
        Assert.Contains("ToRgb", Assert.Throws<ArgumentException>(() => Normalize.ImageNet.Apply(ImageOps.ToFloat(digit), new Random(0))).Message);
    }
}
