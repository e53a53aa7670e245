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
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = File.Create(temporary))
            {
                if (IsSafetensors(full)) PyBridge.SaveSafetensors(module, stream);
                else PyBridge.SavePy(module, stream);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
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
        if (!isSafetensors) PickleLengthCheck.Check(path);
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
        foreach (System.Collections.DictionaryEntry entry in stored)
        {
            var name = (string)entry.Key;
            long[]? shape = entry.Value is Tensor t ? t.shape : null;
            if (!expected.TryGetValue(name, out var target)) { if (strict) problems.Add($"unexpected {name}"); }
            else if (shape is not null && !shape.SequenceEqual(target.shape))
                problems.Add($"{name} is [{string.Join(", ", shape)}] in the file, [{string.Join(", ", target.shape)}] in the model");
            (entry.Value as IDisposable)?.Dispose();
        }
        if (strict) problems.AddRange(expected.Keys.Where(k => !stored.Contains(k)).Select(k => $"missing {k}"));
        if (problems.Count > 0)
            throw new InvalidDataException($"{path} does not fit {module.GetName()}: {string.Join("; ", problems.Take(5))}" +
                $"{(problems.Count > 5 ? $" (and {problems.Count - 5} more)" : "")}. It must be a state_dict of the same architecture.");
    }

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
}
