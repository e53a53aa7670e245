using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace VisionLab.Deploy;

/// <summary>
/// An ONNX model run by ONNX Runtime on the CPU, taking and returning TorchSharp tensors (float32, [N, ...]).
/// Dispose it to free the native session.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    readonly InferenceSession _session;

    /// <param name="threads">Intra-op threads; null: ONNX Runtime's default (one per core).</param>
    public OnnxModel(string path, int? threads = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No ONNX model at {path}. Export one with `visionlab export --format onnx` or OnnxExporter.Export.", path);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is int n) options.IntraOpNumThreads = n;
        try { _session = new InferenceSession(path, options); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{path} is not a valid ONNX model: {e.Message}", e); }
        finally { options.Dispose(); }
        Path = path;
        // Everything read from the file is checked here, and the session freed if it does not fit: damaged metadata
        // makes ONNX Runtime's own readers throw NullReferenceException (found by the fuzz tests).
        try
        {
            if (_session.InputMetadata.Count != 1 || _session.OutputMetadata.Count < 1)
                throw new InvalidDataException($"{path} has {_session.InputMetadata.Count} inputs and {_session.OutputMetadata.Count} outputs; an image classifier has one input and an output.");
            var input = _session.InputMetadata.Single();
            InputName = input.Key;
            InputShape = input.Value.Dimensions.Skip(1).Select(d => (long)d).ToArray();
            InputType = input.Value.ElementType;
            BatchSize = input.Value.Dimensions.Length > 0 && input.Value.Dimensions[0] > 0 ? input.Value.Dimensions[0] : null;
            var output = _session.OutputMetadata.First();
            OutputName = output.Key;
            OutputType = output.Value.ElementType;
            OutputShape = output.Value.Dimensions.Skip(1).Select(d => (long)d).ToArray();
            OutputCount = _session.OutputMetadata.Count;
            Metadata = new Dictionary<string, string>(_session.ModelMetadata.CustomMetadataMap);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            _session.Dispose();
            throw new InvalidDataException($"{path} is not an ONNX model VisionLab can run: its metadata could not be read ({e.GetType().Name}: {e.Message}).", e);
        }
        catch (InvalidDataException)
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>The key/value pairs stored in the file (see <see cref="Onnx.OnnxExportOptions.Metadata"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string Path { get; }
    public string InputName { get; }
    public string OutputName { get; }
    /// <summary>The input shape after the batch dimension, e.g. [3, 32, 32].</summary>
    public long[] InputShape { get; }
    /// <summary>The input's element type (float for the library's exports).</summary>
    public Type InputType { get; }
    /// <summary>A batch size fixed in the file; null when the batch dimension is dynamic (the library's exports).</summary>
    public int? BatchSize { get; }
    public Type OutputType { get; }
    /// <summary>The first output's shape after the batch dimension, e.g. [10]; -1 for a dynamic dimension.</summary>
    public long[] OutputShape { get; }
    public int OutputCount { get; }

    /// <summary>
    /// Throws, naming the file, unless this is an image classifier that takes float batches [N, <paramref name="inputShape"/>]
    /// of any size N and returns float logits [N, <paramref name="classes"/>]: checked when loaded, not at the first batch.
    /// </summary>
    public void CheckClassifier(long[] inputShape, int classes)
    {
        string shape(IEnumerable<long> dims) => "[" + string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString())) + "]";
        string? problem =
            InputType != typeof(float) ? $"its input is {InputType.Name}, not float32 images"
            : !InputShape.SequenceEqual(inputShape) ? $"its input is [N, {string.Join(", ", InputShape)}], but this data's images are prepared as [N, {string.Join(", ", inputShape)}]"
            : BatchSize is int fixedBatch ? $"its batch size is fixed at {fixedBatch}; predict runs batches of any size: export it with a dynamic batch (visionlab export does)"
            : OutputType != typeof(float) ? $"its output is {OutputType.Name}, not float32 logits"
            : OutputShape.Length != 1 ? $"its output is {shape(OutputShape.Prepend(-1))}, not class scores [N, classes]"
            : OutputShape[0] > 0 && OutputShape[0] != classes ? $"it scores {OutputShape[0]} classes, but its class names list {classes}"
            : null;
        if (problem is not null) throw new InvalidDataException($"{Path} does not fit an image classifier for this data: {problem}.");
    }

    /// <summary>Runs a batch [N, ...InputShape] and returns the output as a new CPU tensor.</summary>
    public Tensor Run(Tensor input)
    {
        if (input.dim() != InputShape.Length + 1 || !input.shape.Skip(1).SequenceEqual(InputShape))
            throw new ArgumentException($"{System.IO.Path.GetFileName(Path)} expects input [N, {string.Join(", ", InputShape)}]; got [{string.Join(", ", input.shape)}].");
        using var data = input.detach().to(ScalarType.Float32).cpu().contiguous();
        var values = data.data<float>().ToArray();
        var dims = input.shape.Select(d => (int)d).ToArray();
        var feed = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(InputName, new DenseTensor<float>(values, dims)) };
        using var results = RunSession(feed);
        var output = results.First().AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray(), ScalarType.Float32);
    }

    /// <summary>ONNX Runtime's refusal of a batch is about the file (a shape or type it cannot take), not a bug.</summary>
    IDisposableReadOnlyCollection<DisposableNamedOnnxValue> RunSession(List<NamedOnnxValue> feed)
    {
        try { return _session.Run(feed, new[] { OutputName }); }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{Path} could not run this batch: {e.Message.Split('\n')[0]}", e); }
    }

    public void Dispose() => _session.Dispose();
}
