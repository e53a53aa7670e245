using Onnx;
using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>Exported models run in ONNX Runtime and agree with TorchSharp within 1e-4, at batch 1 and 32, on random and real images.</summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class OnnxExportTests
{
    /// <summary>Non-trivial batch-norm statistics and affine parameters, so folding them is really tested.</summary>
    internal static void RandomizeBatchNorms(nn.Module model, int seed)
    {
        var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, module) in model.named_modules())
            if (module is TorchSharp.Modules.BatchNorm2d bn)
            {
                bn.running_mean!.copy_(randn(bn.running_mean.shape, generator: generator) * 0.1);
                bn.running_var!.copy_(rand(bn.running_var.shape, generator: generator) + 0.5);
                bn.weight.copy_(rand(bn.weight.shape, generator: generator) + 0.5);
                bn.bias!.copy_(randn(bn.bias.shape, generator: generator) * 0.1);
            }
    }

    internal static Tensor RealImages(int count)
    {
        var data = FashionMnist.Load(train: false);
        var transform = GuidePipeline.Evaluate(data.Format);
        return stack(Enumerable.Range(0, count).Select(i => transform.Apply(data.Image(i), new Random(0))).ToArray());
    }

    public static TheoryData<string> Models() => new("modern-cnn", "modern-cnn-cifar", "vit-32", "vit-32-prenorm");

    [Theory]
    [MemberData(nameof(Models))]
    [Trait("Category", "Numerics")]
    public void ONNX_Runtime_agrees_with_TorchSharp(string name)
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, $"{name}.onnx");
        manual_seed(3);
        using var model = ModelCatalog.Create(name, 10);
        RandomizeBatchNorms(model, 5);
        model.eval();
        OnnxExporter.Export(model, OnnxExporter.DefaultInputShape(model), path);
        using var onnx = new OnnxModel(path);
        Assert.Equal(new long[] { 3, 32, 32 }, onnx.InputShape);
        Assert.Equal(("input", "output"), (onnx.InputName, onnx.OutputName));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var input in new[] { randn(1, 3, 32, 32, generator: new Generator(1)), randn(32, 3, 32, 32, generator: new Generator(2)), RealImages(1), RealImages(32) })
        {
            var expected = model.call(input);
            var actual = onnx.Run(input);
            Assert.Equal(expected.shape, actual.shape);
            var maxDiff = (actual - expected).abs().max().item<float>();
            Assert.True(maxDiff <= 1e-4, $"{name}, batch {input.shape[0]}: max |ONNX Runtime - TorchSharp| = {maxDiff:E2}");
        }
    }

    [Fact]
    public void The_file_declares_opset_17_a_dynamic_batch_and_the_guides_names()
    {
        using var model = new ModernCNN(10);
        var onnx = OnnxExporter.ToModel(model, new long[] { 3, 32, 32 });
        Assert.Equal(17, onnx.OpsetImport.Single().Version);
        Assert.Equal("input", onnx.Graph.Input.Single().Name);
        Assert.Equal("output", onnx.Graph.Output.Single().Name);
        Assert.Equal("batch", onnx.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(10, onnx.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        // Batch norms are folded into the convolutions: none is left in the graph.
        Assert.DoesNotContain(onnx.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Equal(ModelSummary.ParameterCount(model) - BatchNormParameters(model), onnx.Graph.Initializer.Where(t => t.DataType == 1).Sum(t => t.Dims.Aggregate(1L, (a, b) => a * b)));
    }

    [Fact]
    public void Unknown_modules_and_bad_shapes_are_clear_errors()
    {
        long before = VisionLab.Core.LiveTensors.Count();
        {
            using var hybrid = ModelCatalog.Create("hybrid-32", 10);
            var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(hybrid, new long[] { 3, 32, 32 }));
            Assert.Contains("CompactConvTransformer", error.Message);
            using var custom = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh());
            VisionLab.Core.TensorCountCorrection.ForgetParameterDuplicates(custom);   // raw TorchSharp modules double-count their Parameters
            error = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(custom, new long[] { 3, 8, 8 }));
            Assert.Contains("'1'", error.Message);
            Assert.Contains("Tanh", error.Message);
            using var model = new ModernCNN(10);
            Assert.Throws<ArgumentException>(() => OnnxExporter.ToModel(model, new long[] { 32, 32 }));
            Assert.Throws<FileNotFoundException>(() => new OnnxModel("/nonexistent/model.onnx"));
        }
        Assert.Equal(before, VisionLab.Core.LiveTensors.Count());   // nothing left behind, double-counted Parameters included
    }

    static long BatchNormParameters(nn.Module model) =>
        model.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.BatchNorm2d>().Sum(bn => 2 * bn.num_features);
}
