using System.IO.Compression;
using System.Text.Json;
using VisionLab.Core;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>A weights file that cannot be used with the model asked for: unreadable, damaged, or another model's.</summary>
public sealed class WeightFileException(string message, Exception? inner = null) : ActionableException(message, inner);

/// <summary>The formats a weights file can be in, told apart by content, not by extension.</summary>
public enum WeightFormat { Checkpoint, TorchSharp, PyTorch, Safetensors, Onnx }

/// <summary>
/// Loads a model's weights from any file the library writes, after identifying the format by its content and
/// checking every tensor's name and shape, and the recorded architecture, against the model.
/// </summary>
public static class WeightFiles
{
    public const string Description = "a checkpoint (.ckpt), TorchSharp weights (.bin), or PyTorch weights (.pt, .pth, .safetensors)";

    /// <summary>The file beside a weights file that records which architecture wrote it.</summary>
    public static string RecordPath(string weightsPath) => weightsPath + ".json";

    sealed record Record(string Architecture);

    /// <summary>The format of the file, from its first bytes.</summary>
    public static WeightFormat Identify(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights not found: {path}", path);
        using var stream = File.OpenRead(path);
        if (stream.Length == 0) throw new WeightFileException($"{path} is empty: not {Description}.");
        Span<byte> head = stackalloc byte[9];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            try
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
                if (zip.GetEntry("state.json") is not null && zip.GetEntry("model.bin") is not null) return WeightFormat.Checkpoint;
                if (zip.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal))) return WeightFormat.PyTorch;
            }
            catch (InvalidDataException e) { throw new WeightFileException($"{path} is a damaged or truncated zip archive ({e.Message}).", e); }
            throw new WeightFileException($"{path} is a zip archive but neither a VisionLab checkpoint nor a PyTorch state_dict.");
        }
        // safetensors: an 8-byte little-endian header length, then the JSON header.
        if (read == 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) is var headerLength && headerLength < (ulong)stream.Length)
            return WeightFormat.Safetensors;
        // PyTorch's legacy (pre-1.6) format is a bare pickle: protocol 2 starts with 0x80 0x02.
        if (read >= 2 && head[0] == 0x80 && head[1] == 0x02) return WeightFormat.PyTorch;
        if (Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) return WeightFormat.Onnx;
        return WeightFormat.TorchSharp;
    }

    /// <summary>Loads the weights in <paramref name="path"/> into <paramref name="model"/>, then refuses them if any is not finite (<see cref="CheckFinite"/>).</summary>
    public static void Load(nn.Module model, string path)
    {
        LoadUnchecked(model, path);
        CheckFinite(model, path);
    }

    static void LoadUnchecked(nn.Module model, string path)
    {
        var format = Identify(path);
        switch (format)
        {
            case WeightFormat.Checkpoint:
                Checkpoint.LoadModel(model, path);
                break;
            case WeightFormat.Onnx:
                throw new WeightFileException($"{path} is an ONNX model, not weights: run it with `predict --weights {path}` (or OnnxModel / Predictor.FromOnnx).");
            case WeightFormat.TorchSharp:
                IReadOnlyDictionary<string, long[]> signature;
                try { signature = TorchSharpWeightsFile.ReadSignature(path); }
                catch (InvalidDataException e)
                {
                    // Nothing recognised the content; say what the name promised, if anything.
                    var promised = Path.GetExtension(path).ToLowerInvariant() switch
                    {
                        ".pt" or ".pth" => "a PyTorch state_dict (a zip archive)",
                        ".safetensors" => "a safetensors file",
                        ".ckpt" => "a VisionLab checkpoint (a zip archive)",
                        _ => null,
                    };
                    throw new WeightFileException(promised is null ? $"{e.Message} Expected {Description}."
                        : $"{path} is not {promised}, nor any other weights format VisionLab reads: its content matches none of them.", e);
                }
                CheckFits(model, path, signature);
                CheckRecord(model, path);
                try { model.load(path); }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException)
                {
                    throw new WeightFileException($"{path} could not be loaded into {model.GetName()}: {e.Message}", e);
                }
                break;
            default:
                CheckRecord(model, path);
                try { PyTorchWeights.Load(model, path, safetensors: format == WeightFormat.Safetensors); }
                catch (InvalidDataException e) { throw new WeightFileException(e.Message, e); }
                break;
        }
    }

    /// <summary>Names the architecture beside weights the CLI writes (.bin, .pt, .safetensors): shapes alone cannot tell a pre-norm ViT from a post-norm one.</summary>
    public static void WriteRecord(nn.Module model, string weightsPath) =>
        AtomicFile.WriteAllText(RecordPath(weightsPath), JsonSerializer.Serialize(new Record(ModelArchitecture.Describe(model))));

    /// <summary>Throws when the file's tensors are not exactly the model's, saying which catalog model they fit.</summary>
    public static void CheckFits(nn.Module model, string path, IReadOnlyDictionary<string, long[]> file)
    {
        var signature = ModelArchitecture.Signature(model);
        if (ModelArchitecture.Mismatch(signature, file) is not { } mismatch) return;
        var holds = CatalogModelsFitting(file);
        long fileClasses = ClassCount(file), modelClasses = ClassCount(signature);
        // The same network trained on other data: the class count is what differs, not the model.
        if (holds.Count > 0 && fileClasses > 0 && modelClasses > 0 && fileClasses != modelClasses)
            throw new WeightFileException($"{path} was trained for {fileClasses} classes, but the data given has {modelClasses}: " +
                                          $"use it with the --dataset it was trained on (the file fits --model {string.Join(" or --model ", holds)}).");
        throw new WeightFileException($"{path} holds weights of another model than {ModelArchitecture.Describe(model)}: {mismatch}." +
            (holds.Count > 0 ? $" The file fits --model {string.Join(" or --model ", holds)}." : " It fits none of the library's models."));
    }

    static void CheckRecord(nn.Module model, string path)
    {
        var recordPath = RecordPath(path);
        if (!File.Exists(recordPath)) return;
        Record? record;
        try { record = JsonSerializer.Deserialize<Record>(File.ReadAllText(recordPath)); }
        catch (JsonException) { return; }   // a damaged note is no reason to refuse weights whose shapes fit
        if (record?.Architecture is { } recorded && !ModelArchitecture.Fits(recorded, model))
            throw new WeightFileException($"{path} was written by a {recorded} (see {recordPath}), not a {ModelArchitecture.Describe(model)}: choose the matching --model.");
    }

    /// <summary>The classes a classifier's last layer scores (0 when it has none the library knows).</summary>
    internal static long ClassCount(IReadOnlyDictionary<string, long[]> tensors) =>
        tensors.TryGetValue("fc.weight", out var fc) && fc.Length > 0 ? fc[0] : tensors.TryGetValue("head.weight", out var head) && head.Length > 0 ? head[0] : 0;

    /// <summary>
    /// Refuses weights holding NaN or infinity (what a diverged run saves): every prediction from them would be
    /// meaningless, and evaluating them would report a number as if it meant something.
    /// </summary>
    public static void CheckFinite(nn.Module model, string path)
    {
        long bad = 0;
        var tensors = new List<string>();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (!tensor.is_floating_point()) continue;
            using var scope = NewDisposeScope();
            long count = tensor.isfinite().logical_not().sum().item<long>();
            if (count == 0) continue;
            bad += count;
            tensors.Add(name);
        }
        if (bad > 0)
            throw new WeightFileException($"{path} holds {bad:N0} values that are not finite numbers (NaN or infinity) in {tensors.Count} tensor(s), first {tensors[0]}: " +
                                          "the run that wrote it diverged. Use an earlier checkpoint, or train again with a lower --lr.");
    }

    /// <summary>The catalog's models whose tensors are exactly the file's (classes taken from the file's last layer).</summary>
    static List<string> CatalogModelsFitting(IReadOnlyDictionary<string, long[]> file)
    {
        var classes = ClassCount(file);
        var fitting = new List<string>();
        if (classes is < 1 or > 100_000) return fitting;
        foreach (var name in ModelCatalog.Entries)
        {
            using var candidate = ModelCatalog.Create(name, (int)classes);
            if (ModelArchitecture.Mismatch(ModelArchitecture.Signature(candidate), file) is null) fitting.Add(name);
        }
        return fitting;
    }
}
