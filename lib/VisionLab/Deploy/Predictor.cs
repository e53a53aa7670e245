using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>One image's result: the top classes with probabilities, or why the image could not be read.</summary>
public sealed record Prediction(string Path, IReadOnlyList<(string Class, double Probability)> Top, string? Error = null)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Classifies image files with a trained model, from TorchSharp weights or an ONNX file, preparing each file as the
/// model's training data was (its <see cref="InputFormat"/>, then <see cref="GuidePipeline.Evaluate"/>). A file that cannot be read (missing, corrupt, truncated, too large) gets its error in its
/// <see cref="Prediction"/>; the other files are still predicted.
/// </summary>
public sealed class Predictor : IDisposable
{
    /// <summary>ONNX metadata keys written by <see cref="OnnxExportMetadata"/>.</summary>
    public const string ClassesKey = "visionlab.classes", PreprocessingKey = "visionlab.preprocessing";

    readonly Func<Tensor, Tensor> _run;
    readonly IDisposable? _owned;
    readonly IImageTransform _prepare;

    Predictor(Func<Tensor, Tensor> run, IReadOnlyList<string> classes, InputFormat format, IDisposable? owned, string source)
    {
        if (classes.Count == 0) throw new ArgumentException("A predictor needs the class names.", nameof(classes));
        (_run, Classes, Format, _owned, Source) = (run, classes, format, owned, source);
        _prepare = GuidePipeline.Evaluate(format);
    }

    public IReadOnlyList<string> Classes { get; }
    /// <summary>The training data's images: each file is decoded to this format, then prepared like the test split.</summary>
    public InputFormat Format { get; }
    /// <summary>What runs the model: "TorchSharp" or the ONNX file's path.</summary>
    public string Source { get; }
    /// <summary>Larger images are refused (decoding them could exhaust memory).</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>A TorchSharp model (not disposed by the predictor).</summary>
    public static Predictor FromModel(nn.Module<Tensor, Tensor> model, IReadOnlyList<string> classes, InputFormat format) =>
        new(InferenceEngine.FromModel(model), classes, format, null, "TorchSharp");

    /// <summary>Any engine from a batch [N, 3, 32, 32] to logits [N, classes], e.g. a <see cref="TorchScriptModel"/>'s Run (not disposed by the predictor).</summary>
    public static Predictor FromFunction(Func<Tensor, Tensor> run, IReadOnlyList<string> classes, InputFormat format, string source) =>
        new(run, classes, format, null, source);

    /// <summary>An ONNX file exported with <see cref="OnnxExportMetadata"/> (class names and input format inside), run by ONNX Runtime.</summary>
    public static Predictor FromOnnx(string path, int? threads = null)
    {
        var onnx = new OnnxModel(path, threads);
        try
        {
            if (!onnx.Metadata.TryGetValue(ClassesKey, out var classes) || !onnx.Metadata.TryGetValue(PreprocessingKey, out var format))
                throw new InvalidDataException($"{path} has no class names or input format in its metadata: export it with `visionlab export` (or OnnxExportMetadata).");
            InputFormat input;
            try { input = InputFormat.Parse(format); }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }   // one line naming the file
            var names = classes.Split('\n');
            onnx.CheckClassifier(input.ModelInputShape, names.Length);
            return new Predictor(onnx.Run, names, input, onnx, path);
        }
        catch
        {
            onnx.Dispose();
            throw;
        }
    }

    /// <summary>The metadata a predictor needs, to pass as <see cref="Onnx.OnnxExportOptions.Metadata"/>: the training data's class names and format.</summary>
    public static IReadOnlyDictionary<string, string> OnnxExportMetadata(IReadOnlyList<string> classes, InputFormat format) =>
        new Dictionary<string, string> { [ClassesKey] = string.Join('\n', classes), [PreprocessingKey] = format.Name };

    /// <summary>A file as the model's input [3, 32, 32], prepared as the training data's test split was.</summary>
    public Tensor Prepare(string path, CancellationToken cancellationToken = default)
    {
        using var image = Format.Decode(path, MaxPixels, cancellationToken);
        return _prepare.Apply(image, new Random(0));
    }

    /// <summary>Every image file directly in a folder (the extensions ImageFolderDataset reads), sorted.</summary>
    public static IReadOnlyList<string> ImagesIn(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Where(f => ImageDecoder.Extensions.Contains(System.IO.Path.GetExtension(f))).Order(StringComparer.Ordinal).ToList()
            : throw new DirectoryNotFoundException($"No folder {folder}.");

    /// <summary>Predicts each file, in batches; unreadable files get an error and do not stop the others.</summary>
    public IReadOnlyList<Prediction> Predict(IEnumerable<string> paths, int topK = 3, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), "Ask for at least the top class.");
        var results = new List<Prediction>();
        foreach (var chunk in paths.Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var inputs = new List<(string Path, Tensor Input)>();
            var slots = new Prediction?[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                try { inputs.Add((chunk[i], Prepare(chunk[i], cancellationToken))); }
                catch (Exception e) when (e is IOException or InvalidDataException or ImageTooLargeException or UnauthorizedAccessException)
                {
                    slots[i] = new Prediction(chunk[i], Array.Empty<(string, double)>(), e.Message);
                }
            }
            if (inputs.Count > 0)
            {
                var probabilities = nn.functional.softmax(_run(stack(inputs.Select(x => x.Input).ToArray())).to(ScalarType.Float32), 1);
                var (values, indices) = probabilities.topk(Math.Min(topK, Classes.Count), dim: 1);
                var p = values.data<float>().ToArray();
                var c = indices.data<long>().ToArray();
                int k = (int)values.shape[1], next = 0;
                for (int i = 0; i < chunk.Length; i++)
                {
                    if (slots[i] is not null) continue;
                    int row = next++;
                    slots[i] = new Prediction(chunk[i], Enumerable.Range(0, k).Select(j => (Classes[(int)c[row * k + j]], (double)p[row * k + j])).ToList());
                }
            }
            results.AddRange(slots!);
        }
        return results;
    }

    public void Dispose() => _owned?.Dispose();
}
