using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// A TorchScript module saved by PyTorch (<c>torch.jit.trace(...).save</c> or <c>torch.jit.script</c>), loaded and
/// run by TorchSharp's libtorch. TorchSharp cannot trace or script C# modules (there is no Python code to compile),
/// so TorchScript goes one way: from PyTorch into .NET. Dispose it to free the native module.
/// </summary>
public sealed class TorchScriptModel : IDisposable
{
    readonly jit.ScriptModule<Tensor, Tensor> _module;

    public TorchScriptModel(string path, Device? device = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No TorchScript file at {path}.", path);
        try { _module = jit.load<Tensor, Tensor>(path, device ?? CPU); }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a TorchScript module libtorch can load ({e.Message.Split('\n')[0]}). " +
                                           "Save one in PyTorch with torch.jit.trace(model, example).save(path).", e);
        }
        _module.eval();
        Path = path;
    }

    public string Path { get; }

    /// <summary>Runs a batch without gradients; returns the module's output.</summary>
    public Tensor Run(Tensor input)
    {
        using var noGrad = inference_mode();
        return _module.call(input);
    }

    public void Dispose() => _module.Dispose();
}
