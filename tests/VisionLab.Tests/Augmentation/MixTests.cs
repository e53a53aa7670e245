using TorchSharp;
using VisionLab.Augmentation;
using static TorchSharp.torch;

namespace VisionLab.Tests.Augmentation;

public sealed class MixTests
{
    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.4, 0.4)]
    [InlineData(2.0, 5.0)]
    public void Beta_draws_have_the_right_mean_and_variance(double a, double b)
    {
        var random = new Random(11);
        var draws = Enumerable.Range(0, 40_000).Select(_ => Sampling.Beta(random, a, b)).ToArray();
        double mean = draws.Average(), variance = draws.Select(x => (x - mean) * (x - mean)).Average();
        Assert.InRange(mean, a / (a + b) - 0.01, a / (a + b) + 0.01);
        double expectedVariance = a * b / ((a + b) * (a + b) * (a + b + 1));
        Assert.InRange(variance, expectedVariance * 0.93, expectedVariance * 1.07);
        Assert.All(draws, x => Assert.InRange(x, 0, 1));
    }

    [Fact]
    public void MixUp_lambda_follows_Beta_alpha_alpha_and_mixes_inputs_and_targets()
    {
        using var scope = NewDisposeScope();
        var inputs = rand(16, 3, 4, 4);
        var targets = arange(16, ScalarType.Int64);
        var random = new Random(12);
        var lambdas = new List<double>();
        for (int i = 0; i < 4000; i++)
        {
            using var mixed = new MixUp(0.4).Apply(inputs, targets, random);
            lambdas.Add(mixed.Lambda);
            if (i < 5)
            {
                Assert.True(mixed.TargetsA.eq(targets).all().item<bool>());
                var partner = mixed.TargetsB;
                var expected = inputs * mixed.Lambda + inputs.index_select(0, partner) * (1 - mixed.Lambda);
                Assert.True(mixed.Inputs.allclose(expected, atol: 1e-6));
            }
        }
        double mean = lambdas.Average(), variance = lambdas.Select(x => (x - mean) * (x - mean)).Average();
        Assert.InRange(mean, 0.48, 0.52);
        Assert.InRange(variance, 0.125, 0.152); // Beta(0.4, 0.4): 1 / (4 * 1.8) = 0.139
    }

    [Fact]
    public void CutMix_box_area_matches_lambda()
    {
        using var scope = NewDisposeScope();
        var inputs = arange(8 * 32 * 32, ScalarType.Float32).view(8, 1, 32, 32); // every pixel distinct
        var targets = arange(8, ScalarType.Int64);
        var random = new Random(13);
        for (int i = 0; i < 300; i++)
        {
            using var mixed = new CutMix(1.0).Apply(inputs, targets, random);
            var replaced = mixed.Inputs.ne(inputs).sum(new long[] { 1, 2, 3 });
            var selfMixed = mixed.TargetsB.eq(targets);
            for (int n = 0; n < 8; n++)
            {
                if (selfMixed[n].item<bool>()) continue; // mixed with itself: nothing visibly changes
                Assert.Equal((1 - mixed.Lambda) * 32 * 32, replaced[n].item<long>(), precision: 6);
            }
        }
    }

    [Fact]
    public void The_mixed_loss_weighs_both_target_sets()
    {
        using var scope = NewDisposeScope();
        var logits = randn(4, 3);
        var mixed = new MixedBatch(zeros(4), tensor(new long[] { 0, 1, 2, 0 }), tensor(new long[] { 2, 2, 1, 1 }), 0.3);
        var loss = mixed.Loss((o, t) => nn.functional.cross_entropy(o, t), logits);
        var expected = nn.functional.cross_entropy(logits, mixed.TargetsA) * 0.3 + nn.functional.cross_entropy(logits, mixed.TargetsB) * 0.7;
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);
    }
}
