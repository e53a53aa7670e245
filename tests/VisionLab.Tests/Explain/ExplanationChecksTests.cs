using VisionLab.Explain;
using static TorchSharp.torch;

namespace VisionLab.Tests.Explain;

[Collection(GarbageCollectingTests.Name)]
public sealed class ExplanationChecksTests
{
    [Fact]
    public void Rank_correlation_is_one_for_the_same_order_and_minus_one_for_the_reverse()
    {
        using var scope = NewDisposeScope();
        var maps = arange(16, dtype: ScalarType.Float32).view(1, 4, 4);
        Assert.Equal(1.0, ExplanationChecks.RankCorrelation(maps, maps * 3 + 1)[0], 9);
        Assert.Equal(-1.0, ExplanationChecks.RankCorrelation(maps, -maps)[0], 9);
        Assert.Throws<ArgumentException>(() => ExplanationChecks.RankCorrelation(maps, zeros(1, 2, 8)));
    }

    [Fact]
    public void Deleting_what_the_map_marks_hurts_faster_than_deleting_at_random()
    {
        long before = VisionLab.Core.LiveTensors.Count();
        {
            using var scope = NewDisposeScope();
            // A model that only looks at the top-left 4x4 of an 8x8 image: class 0's logit is 2 x the sum there.
            using var model = nn.Sequential(nn.Flatten(), nn.Linear(64, 2));
            VisionLab.Core.TensorCountCorrection.ForgetParameterDuplicates(model);   // raw TorchSharp modules double-count their Parameters
            using (no_grad())
            {
                var weight = zeros(2, 64);
                var region = zeros(8, 8);
                region[..4, ..4] = tensor(0.5f);
                weight[0] = region.flatten();
                model.parameters().First().copy_(weight);
                model.parameters().Last().zero_();
            }
            var images = ones(3, 1, 8, 8);
            var maps = zeros(3, 4, 4);
            maps[.., ..2, ..2] = tensor(1f);                     // the right explanation
            var guided = ExplanationChecks.Deletion(model, images, maps, [0, 0, 0], steps: 8);
            var random = ExplanationChecks.Deletion(model, images, maps, [0, 0, 0], steps: 8, randomSeed: 0);
            Assert.Equal(9, guided.Fractions.Length);
            Assert.True(guided.Probabilities[0] > 0.99 && Math.Abs(guided.Probabilities[^1] - 0.5) < 1e-6, "all kept: sure; all deleted: a coin toss");
            Assert.True(guided.Area < random.Area - 0.1, $"guided area {guided.Area:F3} vs random {random.Area:F3}");
            Assert.True(guided.Probabilities[2] < 0.6, $"after a quarter of the pixels (the region) the evidence is gone: {guided.Probabilities[2]:F3}");
        }
        Assert.Equal(before, VisionLab.Core.LiveTensors.Count());   // the raw Sequential's Parameters included
    }
}
