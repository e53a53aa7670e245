using VisionLab.Core;

namespace VisionLab.Interactive;

/// <summary>What the first cell of every notebook calls after referencing the library.</summary>
public static class NotebookSetup
{
    /// <summary>Live TorchSharp tensors when the notebook started; checks compare against it.</summary>
    public static long TensorBaseline { get; private set; }

    /// <summary>
    /// Makes the notebook ready: FSharp.Core redirect (before any chart), TorchSharp's native
    /// library, formatters. Returns what it found, which the notebook displays.
    /// </summary>
    public static NotebookEnvironment Run()
    {
        FSharpCoreRedirect.Install();
        TorchNative.EnsureLoaded();
        DisplayFormatters.Register();
        PlotlyOutput.ResetLibrary();   // a new notebook page: its first chart brings plotly.js
        CellModuleCounting.Install();  // the reader's own modules count their parameters once
        var info = TorchEnvironment.Describe();
        TensorBaseline = LiveTensors.Count();
        return new NotebookEnvironment(RunProfiles.Current, info);
    }
}

public sealed record NotebookEnvironment(RunProfile Profile, TorchEnvironmentInfo Torch)
{
    public override string ToString() => $"VisionLab ready: profile {Profile}; {Torch}";
}
