using VisionLab.Models;
using VisionLab.SelfSupervised;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.SelfSupervised;

/// <summary>Our SimCLR against the guide's SimCLR class on shared weights (tests/golden/make_simclr_goldens.py).</summary>
public sealed class SimClrTests
{
    static readonly System.Text.Json.JsonElement Golden = new GoldenFile("simclr.json").Root.GetProperty("model");
    static IReadOnlyList<string> PyTorchNames => Golden.GetProperty("state").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();

    [Fact]
    public void Has_the_guides_parameters_and_names()
    {
        using var model = SimClr.WithModernCnn();
        Assert.Equal(Golden.GetProperty("parameters").GetInt64(), ModelSummary.ParameterCount(model));
        Assert.Equal(PyTorchNames.Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Projections_and_features_equal_the_guide_on_shared_weights()
    {
        using var scope = NewDisposeScope();
        using var model = SimClr.WithModernCnn();
        GoldenWeights.Fill(model, PyTorchNames);
        model.eval();
        using var noGrad = no_grad();
        var x1 = GoldenWeights.Input(2, 3, 32, 32);
        var (z1, z2) = model.Project(x1, x1.flip(-1));
        AssertClose(Golden.GetProperty("z1"), z1);
        AssertClose(Golden.GetProperty("z2"), z2);
        AssertClose(Golden.GetProperty("features"), model.Encoder.call(x1));
    }

    [Fact]
    public void An_encoder_without_classes_returns_the_pooled_features()
    {
        using var scope = NewDisposeScope();
        using var encoder = new ModernCNN(numClasses: 0);
        Assert.Equal(new long[] { 3, ModernCNN.FeatureCount }, encoder.call(randn(3, 3, 32, 32)).shape);
        Assert.DoesNotContain(encoder.state_dict().Keys, k => k.StartsWith("fc", StringComparison.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModernCNN(numClasses: -1));
    }

    static void AssertClose(System.Text.Json.JsonElement expected, Tensor actual)
    {
        var reference = GoldenFile.ToTensor(expected);
        Assert.Equal(reference.shape, actual.shape);
        var maxDiff = (actual - reference).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-5, $"max |ours - PyTorch| = {maxDiff}");
    }
}
