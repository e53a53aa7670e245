using TorchSharp;

namespace VisionLab.Core;

/// <summary>What the notebooks and the CLI report about the machine they run on.</summary>
public sealed record TorchEnvironmentInfo(
    string Device, bool CudaAvailable, int CudaDeviceCount, string TorchSharpVersion, string LibTorchVersion,
    int Threads, string Os, string DotNet)
{
    public override string ToString() =>
        $"device {Device}{(CudaAvailable ? $" ({CudaDeviceCount} CUDA device(s))" : " (no CUDA device)")}, TorchSharp {TorchSharpVersion}, " +
        $"libtorch {LibTorchVersion}, {Threads} threads, {Os}, .NET {DotNet}";
}

/// <summary>The device every notebook and command uses: CUDA when present, else CPU, unless a run chose one (--device).</summary>
public static class TorchEnvironment
{
    static torch.Device? _chosen;

    /// <summary>The run's device: the one chosen with <see cref="UseDevice"/>, else CUDA when a CUDA build of TorchSharp sees a GPU, else CPU.</summary>
    public static torch.Device DefaultDevice
    {
        get
        {
            TorchNative.EnsureLoaded();
            return _chosen ?? (torch.cuda.is_available() ? torch.CUDA : torch.CPU);
        }
    }

    /// <summary>Chooses the run's device once, before any model or trainer is made: "auto", "cpu" or "cuda".</summary>
    public static void UseDevice(string name)
    {
        TorchNative.EnsureLoaded();
        _chosen = name switch
        {
            "auto" => null,
            "cpu" => torch.CPU,
            "cuda" when torch.cuda.is_available() => torch.CUDA,
            "cuda" => throw new ActionableException("--device cuda: no CUDA device is visible to TorchSharp (a CUDA build of libtorch and a GPU driver are needed); use --device cpu or auto."),
            _ => throw new ArgumentException($"Unknown device '{name}': auto, cpu or cuda.", nameof(name)),
        };
    }

    /// <summary>Device, versions and thread count, in one call.</summary>
    public static TorchEnvironmentInfo Describe()
    {
        TorchNative.EnsureLoaded();
        bool cuda = torch.cuda.is_available();
        return new TorchEnvironmentInfo(
            Device: DefaultDevice.type == DeviceType.CUDA ? "cuda" : "cpu",
            CudaAvailable: cuda,
            CudaDeviceCount: cuda ? torch.cuda.device_count() : 0,
            TorchSharpVersion: TorchNative.AssemblyVersion(typeof(torch).Assembly),
            LibTorchVersion: torch.__version__,
            Threads: torch.get_num_threads(),
            Os: System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            DotNet: Environment.Version.ToString());
    }
}
