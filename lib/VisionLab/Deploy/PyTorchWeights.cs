using VisionLab.Models;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// Weights in PyTorch's own formats: a state_dict .pt that <c>torch.load</c> + <c>load_state_dict</c> accept
/// (the library's parameter names are the guide's), and safetensors. Written atomically (TorchSharp.PyBridge).
/// </summary>
public static class PyTorchWeights
{
    /// <summary>Saves a state_dict as .pt (pickle) or .safetensors, by the file's extension.</summary>
    public static void Save(nn.Module module, string path)
    {
        AtomicFile.Write(path, stream =>
        {
            if (IsSafetensors(path)) PyBridge.SaveSafetensors(module, stream);
            else PyBridge.SavePy(module, stream);
        });
    }

    /// <summary>
    /// Loads a PyTorch state_dict (.pt, .pth, .bin) or safetensors file into the module; names must match.
    /// <paramref name="safetensors"/> says which format the file is in (null: by its extension).
    /// </summary>
    public static void Load(nn.Module module, string path, bool strict = true, bool? safetensors = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights not found: {path}", path);
        bool isSafetensors = safetensors ?? IsSafetensors(path);
        // PyBridge copies without comparing shapes; check names and shapes first so a mismatch is an error.
        CheckShapes(module, path, strict, isSafetensors);
        try
        {
            if (isSafetensors) PyBridge.LoadSafetensors(module, path, strict);
            else PyBridge.LoadPy(module, path, strict);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path} could not be loaded into {module.GetName()}: {e.Message} " +
                "It must be a state_dict (torch.save(model.state_dict(), path)) of the same architecture.", e);
        }
    }

    static void CheckShapes(nn.Module module, string path, bool strict, bool isSafetensors)
    {
        System.Collections.IDictionary stored;
        if (isSafetensors) SafetensorsHeaderCheck.Check(path);
        else PickleLengthCheck.Check(path);
        try
        {
            stored = isSafetensors ? PyBridge.LoadSafetensorsDictionary(path) : PyBridge.UnpicklePy(path);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"{path} is not a readable {(isSafetensors ? "safetensors file" : "PyTorch state_dict (torch.save(model.state_dict(), path))")} or is damaged ({e.Message}).", e);
        }
        var expected = module.state_dict();
        var problems = new List<string>();
        var storedShapes = new Dictionary<string, long[]>();
        foreach (System.Collections.DictionaryEntry entry in stored)
        {
            var name = (string)entry.Key;
            long[]? shape = entry.Value is Tensor t ? t.shape : null;
            if (shape is not null) storedShapes[name] = shape;
            if (!expected.TryGetValue(name, out var target)) { if (strict) problems.Add($"unexpected {name}"); }
            else if (shape is not null && !shape.SequenceEqual(target.shape))
                problems.Add($"{name} is [{string.Join(", ", shape)}] in the file, [{string.Join(", ", target.shape)}] in the model");
            // Another float precision converts; integers into float weights (or the reverse) are another file's numbers.
            else if (entry.Value is Tensor stored1 && stored1.is_floating_point() != target.is_floating_point())
                problems.Add($"{name} is {stored1.dtype} in the file, {target.dtype} in the model");
            (entry.Value as IDisposable)?.Dispose();
        }
        if (strict) problems.AddRange(expected.Keys.Where(k => !stored.Contains(k)).Select(k => $"missing {k}"));
        // Only the class layer differs: the same network, trained on data with another number of classes.
        long fileClasses = WeightFiles.ClassCount(storedShapes), modelClasses = WeightFiles.ClassCount(ModelArchitecture.Signature(module));
        if (fileClasses != modelClasses && problems.All(p => p.StartsWith("fc.", StringComparison.Ordinal) || p.StartsWith("head.", StringComparison.Ordinal)))
            throw new InvalidDataException($"{path} was trained for {fileClasses} classes, but the data given has {modelClasses}: use it with the --dataset it was trained on.");
        if (problems.Count > 0)
            throw new InvalidDataException($"{path} does not fit {module.GetName()}: {string.Join("; ", problems.Take(5))}" +
                $"{(problems.Count > 5 ? $" (and {problems.Count - 5} more)" : "")}. It must be a state_dict of the same architecture.");
    }

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
}
