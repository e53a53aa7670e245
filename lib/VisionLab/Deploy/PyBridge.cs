using System.Reflection;
using System.Runtime.Loader;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// TorchSharp.PyBridge (PyTorch's .pt and safetensors formats), loaded so that it always binds to the TorchSharp
/// this library uses. PyBridge 1.4.4 references TorchSharp 0.103; in a .NET Interactive kernel, whose script loader
/// matches assembly versions exactly, that reference loaded a second copy of TorchSharp 0.107, and every call then
/// failed with MissingMethodException (its Module was another type). Here PyBridge lives in a small load context
/// that answers "TorchSharp" with our TorchSharp, in every host; its methods are called through reflection.
/// </summary>
internal static class PyBridge
{
    static readonly Lazy<Assembly> Bridge = new(() => new BridgeContext().LoadFromAssemblyName(new AssemblyName("TorchSharp.PyBridge")));

    sealed class BridgeContext() : AssemblyLoadContext("VisionLab.PyBridge")
    {
        static readonly string Folder = Path.GetDirectoryName(typeof(PyBridge).Assembly.Location)!;

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name == "TorchSharp") return typeof(Tensor).Assembly;
            var path = Path.Combine(Folder, name.Name + ".dll");
            // PyBridge and its own dependencies from the library's folder; the framework from the default context.
            return name.Name is "TorchSharp.PyBridge" or "Razorvine.Pickle" or "TqdmSharp" && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }

    /// <remarks>
    /// PyBridge 1.4.4 writes each tensor's own bytes but records its offset into its storage, so a parameter that is a
    /// view into a larger buffer (the trainer packs parameters that way) made a .pt that PyTorch refuses ("Trying to
    /// resize storage that is not resizable"). Each tensor is written from a compact copy.
    /// </remarks>
    public static void SavePy(nn.Module module, Stream stream)
    {
        using var scope = NewDisposeScope();
        var compact = new Dictionary<string, Tensor>();
        foreach (var (name, value) in module.state_dict()) compact.Add(name, value.detach().clone());
        Call("PyTorchPickler", "PickleStateDict", stream, compact, true);
    }

    public static void SaveSafetensors(nn.Module module, Stream stream) => Call("PyBridgeModuleExtensions", "save_safetensors", module, stream, null, true);

    public static void LoadPy(nn.Module module, string path, bool strict) => Call("PyBridgeModuleExtensions", "load_py", module, path, strict, null, null);

    public static void LoadSafetensors(nn.Module module, string path, bool strict) => Call("PyBridgeModuleExtensions", "load_safetensors", module, path, strict, null, null);

    /// <summary>A .pt state_dict as name → tensor (the caller disposes the tensors).</summary>
    public static System.Collections.IDictionary UnpicklePy(string path) => (System.Collections.IDictionary)Call("PyTorchUnpickler", "UnpickleStateDict", path)!;

    public static System.Collections.IDictionary LoadSafetensorsDictionary(string path) => (System.Collections.IDictionary)Call("Safetensors", "LoadStateDict", path, null)!;

    /// <summary>Calls the public static method whose parameters take exactly these arguments (null fills an optional parameter).</summary>
    static object? Call(string type, string method, params object?[] arguments)
    {
        var target = Bridge.Value.GetType($"TorchSharp.PyBridge.{type}", throwOnError: true)!;
        var candidates = target.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == method && m.GetParameters().Length == arguments.Length)
            .Where(m => m.GetParameters().Zip(arguments).All(p => p.Second is null ? !p.First.ParameterType.IsValueType : p.First.ParameterType.IsInstanceOfType(p.Second)))
            .ToList();
        if (candidates.Count != 1) throw new MissingMethodException($"TorchSharp.PyBridge has no single {type}.{method} for these {arguments.Length} arguments.");
        try { return candidates[0].Invoke(null, arguments); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
