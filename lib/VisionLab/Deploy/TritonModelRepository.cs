using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Onnx;
using VisionLab.Core;

namespace VisionLab.Deploy;

/// <summary>
/// Writes an exported ONNX classifier as a model in an NVIDIA Triton Inference Server model repository:
/// <c>&lt;repository&gt;/&lt;name&gt;/config.pbtxt</c> (ONNX Runtime backend, input/output names and shapes from the
/// graph, dynamic batching), <c>labels.txt</c> (Triton's classification extension) and <c>1/model.onnx</c>. Other
/// versions and files already in the model's folder are left alone; each written file is replaced atomically.
/// </summary>
public static partial class TritonModelRepository
{
    public const string ConfigFile = "config.pbtxt", LabelsFile = "labels.txt", ModelFile = "model.onnx";

    /// <summary>Writes the model and returns its folder.</summary>
    /// <param name="maxBatchSize">The largest batch Triton forms (the export's batch dimension is dynamic).</param>
    public static string Write(ModelProto onnx, string repository, string name, IReadOnlyList<string> classes, int version = 1, int maxBatchSize = 128)
    {
        if (!NamePattern().IsMatch(name)) throw new ActionableException($"Triton model name '{name}': use letters, digits, '-', '_' or '.' (it names the folder).");
        if (version < 1) throw new ArgumentOutOfRangeException(nameof(version), "Triton versions are numbered from 1.");
        if (maxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(maxBatchSize), "Dynamic batching needs a max_batch_size of at least 1.");
        var config = Config(onnx, name, classes.Count, maxBatchSize);
        var folder = Path.Combine(repository, name);
        try { Directory.CreateDirectory(Path.Combine(folder, version.ToString(CultureInfo.InvariantCulture))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ActionableException($"The Triton model repository {repository} cannot be written ({e.Message}).", e);
        }
        WriteAtomically(Path.Combine(folder, version.ToString(CultureInfo.InvariantCulture), ModelFile), onnx.ToByteArray());
        WriteAtomically(Path.Combine(folder, LabelsFile), Encoding.UTF8.GetBytes(string.Join('\n', classes) + "\n"));
        WriteAtomically(Path.Combine(folder, ConfigFile), Encoding.UTF8.GetBytes(config));
        return folder;
    }

    /// <summary>The config.pbtxt (protobuf text format of Triton's ModelConfig) for the ONNX graph's single input and output.</summary>
    public static string Config(ModelProto onnx, string name, int classes, int maxBatchSize = 128)
    {
        if (onnx.Graph.Input.Count != 1 || onnx.Graph.Output.Count != 1)
            throw new ArgumentException($"A classifier for Triton has one input and one output; the graph has {onnx.Graph.Input.Count} and {onnx.Graph.Output.Count}.", nameof(onnx));
        var input = onnx.Graph.Input[0];
        var output = onnx.Graph.Output[0];
        var inputDims = Dims(input);
        var outputDims = Dims(output);
        if (outputDims.Length != 1 || outputDims[0] != classes)
            throw new ArgumentException($"The model's output is [{string.Join(", ", outputDims)}] per image, but {classes} class names were given.", nameof(classes));
        return string.Create(CultureInfo.InvariantCulture, $$"""
            name: "{{name}}"
            platform: "onnxruntime_onnx"
            max_batch_size: {{maxBatchSize}}
            input [
              {
                name: "{{input.Name}}"
                data_type: TYPE_FP32
                dims: [ {{string.Join(", ", inputDims)}} ]
              }
            ]
            output [
              {
                name: "{{output.Name}}"
                data_type: TYPE_FP32
                dims: [ {{string.Join(", ", outputDims)}} ]
                label_filename: "{{LabelsFile}}"
              }
            ]
            dynamic_batching {
              max_queue_delay_microseconds: 100
            }

            """);
    }

    /// <summary>The tensor's dimensions after the batch (which must be dynamic: Triton batches along it).</summary>
    static long[] Dims(ValueInfoProto value)
    {
        var dims = value.Type.TensorType.Shape.Dim;
        if (value.Type.TensorType.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new ArgumentException($"{value.Name} is not float32; the Triton export writes TYPE_FP32 tensors.");
        if (dims.Count < 2 || dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            throw new ArgumentException($"{value.Name} has no dynamic batch dimension; export with OnnxExporter (its batch is dynamic).");
        return dims.Skip(1).Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue
            : throw new ArgumentException($"{value.Name} has a dynamic dimension besides the batch.")).ToArray();
    }

    static void WriteAtomically(string path, byte[] content) => AtomicFile.WriteAllBytes(path, content);

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
    private static partial Regex NamePattern();
}
