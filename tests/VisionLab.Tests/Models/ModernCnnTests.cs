using System.Text.Json;
using TorchSharp;
using VisionLab.Models;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Models;

/// <summary>The guide's ModernCNN, against the guide's PyTorch code (tests/golden/make_model_goldens.py).</summary>
public sealed class ModernCnnTests
{
    static readonly JsonElement Golden = new GoldenFile("modern_cnn.json").Root;
    static IReadOnlyList<string> PyTorchNames => Golden.GetProperty("state").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();

    [Fact]
    public void Has_the_guide_parameter_count()
    {
        using var model = new ModernCNN(10);
        Assert.Equal(11_038_218, ModelSummary.ParameterCount(model));
        Assert.Equal(Golden.GetProperty("parameters").GetInt64(), ModelSummary.ParameterCount(model));
    }

    /// <summary>The benchmark's host-cost stand-in: the same names (so the same layers and operations), every width 1/16.</summary>
    [Fact]
    public void A_narrow_network_keeps_every_layer_at_a_fraction_of_the_width()
    {
        using var guide = new ModernCNN(10);
        using var narrow = new ModernCNN(10, width: 4);
        var (wide, small) = (guide.state_dict(), narrow.state_dict());
        Assert.Equal(wide.Keys, small.Keys);
        Assert.Equal(new long[] { 4, 3, 7, 7 }, small["conv1.weight"].shape);
        Assert.Equal(new long[] { 10, 32 }, small["fc.weight"].shape);
        Assert.Equal((64L, 512L, 32L), (guide.Width, guide.Features, narrow.Features));
        using var encoder = new ModernCNN(0, width: 4);
        encoder.eval();
        using var noGrad = no_grad();
        using var input = rand(2, 3, 32, 32);
        using var features = encoder.call(input);
        Assert.Equal(new long[] { 2, 32 }, features.shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModernCNN(10, width: 0));
    }

    [Fact]
    public void State_dict_names_and_shapes_match_PyTorch_one_to_one()
    {
        using var model = new ModernCNN(10);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = Golden.GetProperty("state").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()).ToArray());
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, shape) in theirs) Assert.True(shape.SequenceEqual(ours[name]), $"{name}: [{string.Join(",", ours[name])}] vs PyTorch [{string.Join(",", shape)}]");
        Assert.Contains("layer1.0.shortcut.0.weight", ours.Keys);
        Assert.Contains("layer2.1.conv2.weight", ours.Keys);
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Eval_outputs_equal_the_guide_on_shared_weights()
    {
        using var scope = NewDisposeScope();
        using var model = new ModernCNN(10);
        GoldenWeights.Fill(model, PyTorchNames);
        model.eval();
        using var noGrad = no_grad();
        var logits = model.call(GoldenWeights.Input(2, 3, 32, 32));
        var expected = tensor(Golden.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray()).view(2, 10);
        var maxDiff = (logits - expected).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-5, $"max |ours - PyTorch| = {maxDiff}");
    }

    [Fact]
    public void Kaiming_initialisation_has_the_fan_out_scale_and_unit_batch_norms()
    {
        using var model = new ModernCNN(10);
        var state = model.state_dict();
        // kaiming_normal_(fan_out, relu): std = sqrt(2 / (out_channels * k * k)); layer3.0.conv2: 512 * 3 * 3.
        var std = state["layer3.0.conv2.weight"].std().item<float>();
        Assert.InRange(std, Math.Sqrt(2.0 / (512 * 9)) * 0.97, Math.Sqrt(2.0 / (512 * 9)) * 1.03);
        Assert.True(state["layer2.1.bn1.weight"].eq(1).all().item<bool>());
        Assert.True(state["layer2.1.bn1.bias"].eq(0).all().item<bool>());
    }

    [Fact]
    public void The_guide_stem_shrinks_32_to_8_the_CIFAR_stem_keeps_32()
    {
        using var guide = new ModernCNN(10);
        using var cifar = new ModernCNN(10, stem: CnnStem.Cifar);
        Assert.Equal(new long[] { 1, 128, 8, 8 }, guide.TraceShapes().Single(s => s.Stage == "layer1").Shape);
        Assert.Equal(new long[] { 1, 128, 32, 32 }, cifar.TraceShapes().Single(s => s.Stage == "layer1").Shape);
        Assert.Equal(new long[] { 1, 10 }, cifar.TraceShapes()[^1].Shape);
        Assert.Equal(ModelSummary.ParameterCount(guide) - 64 * 3 * (49 - 9), ModelSummary.ParameterCount(cifar));
    }

    [Fact]
    public void Grayscale_input_channels_and_wrong_shapes()
    {
        using var scope = NewDisposeScope();
        using var gray = new ModernCNN(10, inChannels: 1);
        Assert.Equal(new long[] { 4, 10 }, gray.call(randn(4, 1, 28, 28)).shape);
        var error = Assert.Throws<ArgumentException>(() => gray.call(randn(4, 3, 28, 28)));
        Assert.Contains("[N, 1, H, W]", error.Message);
    }

    [Fact]
    public void A_forward_and_backward_pass_leaves_no_tensor_behind()
    {
        using var model = new ModernCNN(10);
        using (var warm = NewDisposeScope()) model.call(randn(2, 3, 32, 32)).sum().backward();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = NewDisposeScope())
        {
            var loss = nn.functional.cross_entropy(model.call(randn(8, 3, 32, 32)), randint(0, 10, 8));
            loss.backward();
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
