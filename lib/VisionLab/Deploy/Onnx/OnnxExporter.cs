using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using VisionLab.Core;
using VisionLab.Models;
using static TorchSharp.torch;
using static VisionLab.Deploy.Onnx.OnnxGraphBuilder;

namespace VisionLab.Deploy.Onnx;

/// <summary>How a model is exported.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>ONNX operator set; 17 is the first with LayerNormalization (and what Debian's onnx checker knows).</summary>
    public int Opset { get; init; } = 17;
    public string InputName { get; init; } = "input";
    public string OutputName { get; init; } = "output";
    /// <summary>Fold each batch norm into the convolution before it (exact in inference; fewer nodes).</summary>
    public bool FoldBatchNorm { get; init; } = true;
    /// <summary>Key/value pairs stored in the file (a predictor's class names and preprocessing).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>
/// Exports the library's models to ONNX (TorchSharp has no exporter): ModernCNN with either stem, the Vision
/// Transformer (patch embedding, class token, position embedding, attention, LayerNorm, GELU), and
/// Sequential/Conv2d/BatchNorm2d/ReLU/MaxPool2d/AdaptiveAvgPool2d/Linear/Dropout/Identity/LayerNorm compositions of
/// them. The model is written as in evaluation mode (dropout off, batch norm with running statistics); weights are
/// folded into constants. Input [batch, C, H, W] with a dynamic batch, output [batch, classes]. A module the
/// exporter does not know raises <see cref="NotSupportedException"/> naming it.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX model of <paramref name="model"/> for inputs [batch, <paramref name="inputShape"/>] (C, H, W).</summary>
    public static ModelProto ToModel(nn.Module<Tensor, Tensor> model, long[] inputShape, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        if (inputShape.Length != 3 || inputShape.Any(d => d < 1)) throw new ArgumentException($"The input shape is [C, H, W]; got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        if (options.Opset < 17) throw new ArgumentOutOfRangeException(nameof(options), $"Opset {options.Opset} lacks LayerNormalization; use 17 or newer.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // The output's width: one evaluation-mode forward on a zero image (also proves the model accepts the shape).
        bool wasTraining = model.training;
        model.eval();
        long[] outputShape;
        try
        {
            var placement = ModelPlacement.Of(model);
            outputShape = model.call(zeros(new long[] { 1 }.Concat(inputShape).ToArray(), dtype: placement.FloatType, device: placement.Device)).shape;
        }
        finally { model.train(wasTraining); }

        var graph = new OnnxGraphBuilder();
        graph.Name(options.InputName);
        var emitter = new ModuleEmitter(graph, options);
        string result = emitter.Emit(model, "", options.InputName);
        // Name the graph's output as asked.
        graph.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = graph.Name("output_identity"), Input = { result }, Output = { graph.Name(options.OutputName) } });
        graph.Graph.Input.Add(FloatValue(options.InputName, inputShape));
        graph.Graph.Output.Add(FloatValue(options.OutputName, outputShape.Skip(1)));
        var onnx = new ModelProto
        {
            IrVersion = 8,                       // opset 17's IR version; newer runtimes read it, Debian's onnx 1.12 checks it
            ProducerName = "VisionLab",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph.Graph,
            DocString = $"{model.GetType().Name} exported by VisionLab",
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
            onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return onnx;
    }

    /// <summary>Writes the ONNX file (through a temporary file, so a failed export leaves no half-written model).</summary>
    public static void Export(nn.Module<Tensor, Tensor> model, long[] inputShape, string path, OnnxExportOptions? options = null) =>
        Save(ToModel(model, inputShape, options), path);

    /// <summary>Writes an ONNX model atomically (temporary file, then rename).</summary>
    public static void Save(ModelProto onnx, string path) => AtomicFile.WriteAllBytes(path, onnx.ToByteArray());

    /// <summary>The input shape [C, H, W] a library model expects (32x32 for the CNN, the ViT's own size).</summary>
    public static long[] DefaultInputShape(nn.Module<Tensor, Tensor> model) => model switch
    {
        VisionTransformer vit => new[] { vit.PatchEmbed.InChannels, vit.PatchEmbed.ImgSize, vit.PatchEmbed.ImgSize },
        ModernCNN cnn => new[] { cnn.InChannels, 32L, 32L },
        _ => new[] { 3L, 32L, 32L },
    };
}
