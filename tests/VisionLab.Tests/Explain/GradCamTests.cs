using System.Text.Json;
using TorchSharp;
using VisionLab.Core;
using VisionLab.Explain;
using VisionLab.Models;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Explain;

/// <summary>Grad-CAM against the textbook definition computed by PyTorch on the guide's ModernCNN (tests/golden/make_gradcam_goldens.py).</summary>
public sealed class GradCamTests
{
    static readonly JsonElement Golden = new GoldenFile("gradcam.json").Root;

    [Theory]
    [InlineData("layer2", "predicted")]
    [InlineData("layer2", "3")]
    [InlineData("layer3", "predicted")]
    [InlineData("layer3", "3")]
    [Trait("Category", "Numerics")]
    public void Equals_PyTorch_on_shared_weights(string layerName, string target)
    {
        using var scope = NewDisposeScope();
        using var model = new ModernCNN(10);
        GoldenWeights.Fill(model, Golden.GetProperty("state").EnumerateArray().Select(e => e.GetString()!).ToList());
        var expected = Golden.GetProperty($"{layerName}_{target}");
        var shape = expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var cam = tensor(expected.GetProperty("cam").EnumerateArray().Select(e => e.GetSingle()).ToArray()).view(shape);
        long[]? classes = target == "predicted" ? null : [3, 3];
        using var result = GradCam.Compute(model, GradCam.FindLayer(model, layerName), GoldenWeights.Input(2, 3, 64, 64), classes);
        Assert.Equal(expected.GetProperty("classes").EnumerateArray().Select(e => e.GetInt64()).ToArray(), result.Classes);
        var scale = cam.abs().max().item<float>();
        var diff = (result.RawMaps - cam).abs().max().item<float>();
        Assert.True(diff <= 1e-4 * scale + 1e-7, $"max |ours - PyTorch| = {diff} (largest value {scale})");
        // Scaled per image to a maximum of 1, or all zero where ReLU left nothing (this happens for class 3 here).
        var scaledMax = result.Maps.flatten(1).max(1).values;
        var expectedMax = cam.flatten(1).max(1).values.gt(0).to(ScalarType.Float32);
        Assert.True((scaledMax - expectedMax).abs().max().item<float>() < 1e-5, $"per-image maxima {string.Join(", ", scaledMax.data<float>().ToArray())}");
    }

    [Fact]
    public void Runs_a_model_on_the_default_device_on_CPU_images_and_returns_the_maps_on_the_CPU()
    {
        // What a notebook does after training: the trainer put the model on TorchEnvironment.DefaultDevice (CUDA when
        // present), the images were built on the CPU. On a CPU-only machine both are the CPU.
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new ModernCNN(10);
        var images = randn(2, 3, 32, 32);
        using var onCpu = GradCam.Compute(model, GradCam.FindLayer(model, "layer2"), images);
        model.to(TorchEnvironment.DefaultDevice);
        Assert.Equal(TorchEnvironment.DefaultDevice.type, ModelPlacement.Of(model).Device.type);
        using var onDefault = GradCam.Compute(model, GradCam.FindLayer(model, "layer2"), images);
        Assert.Equal(DeviceType.CPU, onDefault.Maps.device_type);
        Assert.Equal(DeviceType.CPU, onDefault.Logits.device_type);
        Assert.Equal(onCpu.Classes, onDefault.Classes);
        Assert.True((onCpu.Maps - onDefault.Maps).abs().max().item<float>() <= 1e-4);
        var deletion = ExplanationChecks.Deletion(model, images, onDefault.Maps, onDefault.Classes, steps: 2);
        Assert.Equal(3, deletion.Probabilities.Length);
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Runs_a_reduced_precision_model_on_fp32_images_and_returns_fp32_maps()
    {
        // A trainer's mixed precision leaves the model in fp16 or bf16 (MasterWeights); bf16 runs on the CPU too.
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = new ModernCNN(10);
        var images = randn(4, 3, 32, 32);
        using var full = GradCam.Compute(model, GradCam.FindLayer(model, "layer2"), images);
        model.to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, ModelPlacement.Of(model).FloatType);
        using var reduced = GradCam.Compute(model, GradCam.FindLayer(model, "layer2"), images, full.Classes);
        Assert.Equal(ScalarType.Float32, reduced.Maps.dtype);
        Assert.Equal(ScalarType.Float32, reduced.Logits.dtype);
        Assert.True(reduced.Maps.ge(0).all().item<bool>() && reduced.Maps.le(1).all().item<bool>());
        // bf16 keeps 8 bits of mantissa: the maps agree loosely, not to the last digit. Measured 2026-12-01 (AMD EPYC):
        // 0.0123 on the default kernels and under MKL_CBWR=COMPATIBLE, 0.0114 with ONEDNN_MAX_CPU_ISA=AVX2 or SSE41.
        Assert.True((full.Maps - reduced.Maps).abs().mean().item<float>() < 0.1, $"mean |fp32 - bf16| {(full.Maps - reduced.Maps).abs().mean().item<float>()}");
        var deletion = ExplanationChecks.Deletion(model, images, reduced.Maps, reduced.Classes, steps: 2);
        Assert.All(deletion.Probabilities, p => Assert.InRange(p, 0.0, 1.0));
    }

    [Fact]
    public void A_placement_is_where_the_parameters_are_and_fp32_on_the_CPU_without_any()
    {
        using var linear = nn.Linear(2, 3);
        Assert.Equal(ScalarType.Float32, ModelPlacement.Of(linear).FloatType);
        Assert.Equal(DeviceType.CPU, ModelPlacement.Of(linear).Device.type);
        linear.to(ScalarType.Float64);
        var placement = ModelPlacement.Of(linear);
        Assert.Equal(ScalarType.Float64, placement.FloatType);
        using var placed = placement.Place(ones(1, 2));
        Assert.Equal(ScalarType.Float64, placed.dtype);
        using var labels = placement.Place(tensor(new long[] { 1, 2 }));
        Assert.Equal(ScalarType.Int64, labels.dtype);   // labels keep their type
        using var relu = nn.ReLU();
        Assert.Equal(ScalarType.Float32, ModelPlacement.Of(relu).FloatType);
        Assert.Equal(DeviceType.CPU, ModelPlacement.Of(relu).Device.type);
    }

    [Fact]
    public void Leaves_the_model_and_its_gradients_as_they_were_and_removes_its_hook()
    {
        using var scope = NewDisposeScope();
        using var model = new ModernCNN(10);
        model.train();
        var layer = GradCam.FindLayer(model, "layer3");
        var input = randn(2, 3, 32, 32);
        using (var first = GradCam.Compute(model, layer, input, method: CamMethod.GradCamPlusPlus)) { }
        Assert.True(model.training);
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
        model.eval();
        using var noGrad = no_grad();
        var before = model.call(input);
        var calls = 0;
        var probe = layer.register_forward_hook((_, _, output) => { calls++; return output; });
        model.call(input);
        probe.remove();
        Assert.Equal(1, calls);   // only the probe: Grad-CAM's hook is gone
        Assert.True((before - model.call(input)).abs().max().item<float>() == 0);
    }

    [Fact]
    public void An_all_zero_map_stays_zero_instead_of_NaN()
    {
        using var scope = NewDisposeScope();
        using var model = new ModernCNN(10);
        using (no_grad()) foreach (var p in model.parameters()) p.zero_();   // every activation and gradient is zero
        using var result = GradCam.Compute(model, GradCam.FindLayer(model, "layer3"), randn(2, 3, 32, 32), [0, 1]);
        Assert.False(result.Maps.isnan().any().item<bool>());
        Assert.Equal(0f, result.Maps.abs().max().item<float>());
    }

    [Fact]
    public void Works_on_a_vision_transformer_block_through_the_token_grid()
    {
        using var scope = NewDisposeScope();
        using var vit = VisionTransformer.Small32();
        using var result = GradCam.Compute(vit, GradCam.FindLayer(vit, "transformer.layers.5"), randn(3, 3, 32, 32));
        Assert.Equal(new long[] { 3, 8, 8 }, result.Maps.shape);
        Assert.True(result.Maps.ge(0).all().item<bool>() && result.Maps.le(1).all().item<bool>());
    }

    [Fact]
    public void Bad_layers_and_classes_are_explained()
    {
        using var scope = NewDisposeScope();
        using var model = new ModernCNN(10);
        Assert.Contains("layer3", Assert.Throws<ArgumentException>(() => GradCam.FindLayer(model, "layer9")).Message);
        Assert.Contains("between 0 and 9", Assert.Throws<ArgumentOutOfRangeException>(() => GradCam.Compute(model, GradCam.FindLayer(model, "layer3"), randn(1, 3, 32, 32), [12])).Message);
        using var other = new ModernCNN(10);
        Assert.Contains("not called", Assert.Throws<ArgumentException>(() => GradCam.Compute(model, GradCam.FindLayer(other, "layer3"), randn(1, 3, 32, 32))).Message);
    }
}
