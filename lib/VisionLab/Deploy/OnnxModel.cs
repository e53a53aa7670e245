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
            OutputName = _session.OutputMetadata.First().Key;
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

    /// <summary>Runs a batch [N, ...InputShape] and returns the output as a new CPU tensor.</summary>
    public Tensor Run(Tensor input)
    {
        if (input.dim() != InputShape.Length + 1 || !input.shape.Skip(1).SequenceEqual(InputShape))
            throw new ArgumentException($"{System.IO.Path.GetFileName(Path)} expects input [N, {string.Join(", ", InputShape)}]; got [{string.Join(", ", input.shape)}].");
        using var data = input.detach().to(ScalarType.Float32).cpu().contiguous();
        var values = data.data<float>().ToArray();
        var dims = input.shape.Select(d => (int)d).ToArray();
        var feed = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(InputName, new DenseTensor<float>(values, dims)) };
        using var results = _session.Run(feed, new[] { OutputName });
        var output = results.First().AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray(), ScalarType.Float32);
    }

    public void Dispose() => _session.Dispose();
}
