using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.SelfSupervised;

/// <summary>SimCLR's two-view augmentation: the crop sampler, the pairs, and what the recipe contains.</summary>
public sealed class ContrastiveViewsTests
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void Random_resized_crop_boxes_respect_scale_ratio_and_bounds()
    {
        var crop = new RandomResizedCrop(32, ScaleMin: 0.2);
        var random = new Random(0);
        var areas = new List<double>();
        for (int i = 0; i < 5000; i++)
        {
            var (top, left, h, w) = crop.Box(32, 32, random);
            Assert.True(top >= 0 && left >= 0 && top + h <= 32 && left + w <= 32, $"box {top},{left},{h},{w} leaves the image");
            areas.Add(h * w / 1024.0);
        }
        // Rounding of small boxes lets the area dip a little under the scale's minimum.
        Assert.InRange(areas.Min(), 0.15, 0.25);
        Assert.Equal(1.0, areas.Max(), 2);
        Assert.InRange(areas.Average(), 0.45, 0.65);
        // Impossible ratios fall back to a centred crop of the whole image at the nearest allowed ratio.
        var wide = new RandomResizedCrop(32, ScaleMin: 0.99, RatioMin: 1, RatioMax: 1).Box(10, 40, new Random(1));
        Assert.Equal((0, 15, 10, 10), wide);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(32, ScaleMin: 0).Box(32, 32, random));
    }

    [Fact]
    public void Two_views_differ_are_reproducible_and_batch_as_pairs()
    {
        using var scope = NewDisposeScope();
        var data = new SyntheticShapes(8, seed: 0);
        var views = SimClrAugmentation.Pairs(data.Format);
        var image = data.Image(0);
        var pair = views.Apply(image, new Random(5));
        Assert.Equal(new long[] { 2, 3, 32, 32 }, pair.shape);
        Assert.False(Same(pair[0], pair[1]), "the two views of an image are different draws");
        Assert.True(Same(pair, views.Apply(image, new Random(5))), "the same seed gives the same pair");

        var loader = new DataLoader(data, views, new DataLoaderOptions { BatchSize = 4, Shuffle = false });
        using var batch = loader.Epoch().First();
        Assert.Equal(new long[] { 4, 2, 3, 32, 32 }, batch.Images.shape);
        var flat = TwoViews.Flatten(batch.Images);
        Assert.Equal(new long[] { 8, 3, 32, 32 }, flat.shape);
        Assert.True(Same(flat[1], batch.Images[1, 0]) && Same(flat[5], batch.Images[1, 1]), "first views, then second views");
        Assert.Throws<ArgumentException>(() => TwoViews.Flatten(zeros(4, 3, 32, 32)));
    }

    [Fact]
    public void The_recipe_follows_the_paper_and_blurs_only_large_images()
    {
        string small = SimClrAugmentation.View(InputFormat.Rgb32).ToString(), large = SimClrAugmentation.View(InputFormat.Of(3, 96, 96), 96, strength: 1.0).ToString();
        Assert.Contains("RandomResizedCrop", small);
        Assert.Contains("ColorJitter { Brightness = 0.4, Contrast = 0.4, Saturation = 0.4, Hue = 0.1 }", small);
        Assert.Contains("RandomGrayscale { P = 0.2 }", small);
        Assert.DoesNotContain("GaussianBlur", small);
        Assert.Contains("GaussianBlur { KernelSize = 9", large);
    }

    [Fact]
    public void Hue_jitter_turns_colours_and_leaves_gray_alone()
    {
        using var scope = NewDisposeScope();
        var red = zeros(3, 4, 4, dtype: ScalarType.Byte);
        red[0].fill_(255);
        var shifted = ImageOps.Hue(red, 1.0 / 3);                       // a third of a turn: red becomes green
        Assert.Equal(new long[] { 0, 255, 0 }, shifted[.., 0, 0].data<byte>().Select(b => (long)b).ToArray());
        var gray = full(new long[] { 3, 4, 4 }, 128, dtype: ScalarType.Byte);
        Assert.True(Same(ImageOps.Hue(gray, 0.4), gray));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Hue(red, 0.7));
    }
}
