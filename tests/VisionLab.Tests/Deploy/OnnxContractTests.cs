using Google.Protobuf;
using Onnx;
using VisionLab.Data;
using VisionLab.Deploy;

namespace VisionLab.Tests.Deploy;

/// <summary>
/// Issue 35, case 10: an ONNX file that does not fit the predictor (input shape or type, a fixed batch, an output
/// that is not [N, classes]) is refused when it is loaded, naming the file and what does not fit.
/// </summary>
public sealed class OnnxContractTests
{
    /// <summary>Every way a graph can fail the predictor's contract, with words the refusal must contain.</summary>
    public static TheoryData<string, string> Misfits => new()
    {
        { "gray-input", "[N, 1, 28, 28]" },
        { "int64-input", "Int64" },
        { "fixed-batch", "fixed at 1" },
        { "image-output", "not class scores" },
        { "too-many-classes", "3072 classes" },
    };

    /// <summary>
    /// Writes one of <see cref="Misfits"/> (or "fits": a 10-class classifier of Fashion-MNIST's input) with the
    /// metadata `visionlab export` writes, and returns its path.
    /// </summary>
    internal static string Write(string folder, string kind)
    {
        var (type, batch, input, op, output) = kind switch
        {
            "gray-input" => (TensorProto.Types.DataType.Float, (long?)null, new long[] { 1, 28, 28 }, "Flatten", new long[] { 784 }),
            "int64-input" => (TensorProto.Types.DataType.Int64, null, [3, 32, 32], "Flatten", [3072]),
            "fixed-batch" => (TensorProto.Types.DataType.Float, 1, [3, 32, 32], "Flatten", [3072]),
            "image-output" => (TensorProto.Types.DataType.Float, null, [3, 32, 32], "Identity", [3, 32, 32]),
            "too-many-classes" => (TensorProto.Types.DataType.Float, null, [3, 32, 32], "Flatten", [3072]),
            _ => throw new ArgumentException(kind),
        };
        var graph = new GraphProto { Name = kind };
        graph.Input.Add(Value("x", type, batch, input));
        graph.Output.Add(Value("y", type, batch, output));
        graph.Node.Add(new NodeProto { OpType = op, Name = op, Input = { "x" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "VisionLab tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        foreach (var (key, value) in Predictor.OnnxExportMetadata(Enumerable.Range(0, 10).Select(i => $"class {i}").ToList(), InputFormat.Gray28))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        var path = Path.Combine(folder, kind + ".onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    static ValueInfoProto Value(string name, TensorProto.Types.DataType type, long? batch, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(batch is long b ? new TensorShapeProto.Types.Dimension { DimValue = b } : new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    [Theory]
    [MemberData(nameof(Misfits))]
    public void A_model_that_does_not_fit_is_refused_when_loaded(string kind, string words)
    {
        using var folder = new TemporaryFolder();
        var path = Write(folder.Path, kind);
        var error = Assert.Throws<InvalidDataException>(() => Predictor.FromOnnx(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(words, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }
}
