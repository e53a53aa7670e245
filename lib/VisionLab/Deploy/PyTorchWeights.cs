using TorchSharp.PyBridge;
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
                if (IsSafetensors(full)) module.save_safetensors(stream, leaveOpen: true);
                else module.save_py(stream, leaveOpen: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Loads a PyTorch state_dict (.pt, .pth, .bin) or safetensors file into the module; names must match.</summary>
    public static void Load(nn.Module module, string path, bool strict = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights not found: {path}", path);
        try
        {
            if (IsSafetensors(path)) module.load_safetensors(path, strict);
            else module.load_py(path, strict);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path} could not be loaded into {module.GetName()}: {e.Message} " +
                "It must be a state_dict (torch.save(model.state_dict(), path)) of the same architecture.", e);
        }
    }

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
}
