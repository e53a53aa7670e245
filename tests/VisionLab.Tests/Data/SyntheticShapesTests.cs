using VisionLab.Data;
using static TorchSharp.torch;

namespace VisionLab.Tests.Data;

public sealed class SyntheticShapesTests
{
    [Theory]
    [InlineData(SyntheticTask.Shape, 6)]
    [InlineData(SyntheticTask.Pattern, 5)]
    public void Images_are_deterministic_labelled_and_balanced(SyntheticTask task, int classes)
    {
        using var scope = NewDisposeScope();
        var data = new SyntheticShapes(600, seed: 3, task: task);
        Assert.Equal(classes, data.Classes.Count);
        var again = new SyntheticShapes(600, seed: 3, task: task);
        Assert.True(data.Image(17).equal(again.Image(17)).all().item<bool>());
        Assert.True(data.Mask(17).equal(again.Mask(17)).all().item<bool>());
        Assert.False(data.Image(17).equal(new SyntheticShapes(600, seed: 4, task: task).Image(17)).all().item<bool>());
        Assert.Equal(new long[] { 3, 32, 32 }, data.Image(0).shape);
        Assert.Equal(ScalarType.Byte, data.Image(0).dtype);
        var counts = Enumerable.Range(0, data.Count).GroupBy(data.Label).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(classes, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 600 / classes / 2, 600 / classes * 2));
    }

    [Fact]
    public void The_mask_covers_the_object_and_the_object_differs_from_its_surroundings()
    {
        using var scope = NewDisposeScope();
        var data = new SyntheticShapes(50, seed: 1);
        for (int i = 0; i < data.Count; i++)
        {
            var mask = data.Mask(i);
            var pixels = mask.sum().item<long>();
            Assert.InRange(pixels, 12, 32 * 32 / 3);                  // a visible object, not the whole image
            var image = data.Image(i).to(ScalarType.Float32);
            var inside = image.masked_select(mask.expand(3, -1, -1)).view(3, -1).mean([1]);
            // A ring around the object (dilated mask minus mask) is background.
            var dilated = nn.functional.max_pool2d(mask.to(ScalarType.Float32).unsqueeze(0), 5, 1, 2).squeeze(0).gt(0);
            var ring = dilated.logical_and(mask.logical_not());
            var outside = image.masked_select(ring.expand(3, -1, -1)).view(3, -1).mean([1]);
            Assert.True((inside - outside).abs().max().item<float>() > 30, $"image {i}: object colour too close to the background");
        }
    }

    [Fact]
    public void Masks_batch_and_bad_arguments()
    {
        using var scope = NewDisposeScope();
        var data = new SyntheticShapes(10);
        var masks = data.Masks([2, 5]);
        Assert.Equal(new long[] { 2, 32, 32 }, masks.shape);
        Assert.True(masks[1].equal(data.Mask(5)).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Image(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(10, size: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(10, minRadius: 9, maxRadius: 5));
    }
}
