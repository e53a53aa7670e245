using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace VisionLab.Core;

/// <summary>
/// Loads TorchSharp's native library from the folder the build prepared (and, on older Linux,
/// patched: see build/LibTorchSharpNativeFix.cs) before TorchSharp probes on its own.
/// </summary>
/// <remarks>
/// Apps find the library through their deps.json. Notebook kernels have a deps.json of their own,
/// so TorchSharp would fall back to copying the unpatched NuGet-cache binaries; loading ours first wins.
/// </remarks>
public static class TorchNative
{
    static readonly object Gate = new();
    static string? _loadedFrom;

    /// <summary>Where libLibTorchSharp was loaded from, or null when TorchSharp's own probing was left to it.</summary>
    public static string? LoadedFrom => _loadedFrom;

    public static void EnsureLoaded()
    {
        NativeHeap.Configure();   // before libtorch allocates anything
        lock (Gate)
        {
            if (_loadedFrom is not null) return;
            var candidate = FindBesideTorchSharp();
            if (candidate is null) return;
            try
            {
                NativeLibrary.Load(candidate);
                _loadedFrom = candidate;
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException(
                    $"TorchSharp's native library at {candidate} failed to load: {e.Message}\n" +
                    "On Debian 12 / Ubuntu 22.04 the build patches it automatically; rebuild with 'dotnet build' " +
                    "from the repository root and check the build log for 'VisionLab:' lines.", e);
            }
        }
    }

    static string? FindBesideTorchSharp()
    {
        var folder = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (string.IsNullOrEmpty(folder)) return null;
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux", StringComparison.Ordinal) ? "linux-x64"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx-arm64" : "win-x64";
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        foreach (var path in new[] { Path.Combine(folder, "runtimes", rid, "native", file), Path.Combine(folder, file) })
            if (File.Exists(path)) return path;
        return null;
    }

    internal static string AssemblyVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
