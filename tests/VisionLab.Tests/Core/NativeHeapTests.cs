using VisionLab.Core;

namespace VisionLab.Tests.Core;

/// <summary>glibc's malloc settings: applied on Linux unless the user opted out or set glibc's own variables.</summary>
public sealed class NativeHeapTests
{
    static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Tunes_on_linux_by_default()
    {
        Assert.Null(NativeHeap.Decide(isLinux: true, Environment()));
        Assert.Contains("not Linux", NativeHeap.Decide(isLinux: false, Environment()));
    }

    [Fact]
    public void Leaves_the_defaults_when_opted_out_or_set_through_glibc()
    {
        Assert.Contains("VISIONLAB_MALLOC_TUNING=0", NativeHeap.Decide(true, Environment(("VISIONLAB_MALLOC_TUNING", "0"))));
        Assert.Contains("MALLOC_MMAP_THRESHOLD_", NativeHeap.Decide(true, Environment(("MALLOC_MMAP_THRESHOLD_", "65536"))));
        Assert.NotNull(NativeHeap.Decide(true, Environment(("MALLOC_TRIM_THRESHOLD_", "0"))));
        Assert.Null(NativeHeap.Decide(true, Environment(("VISIONLAB_MALLOC_TUNING", "1"))));
    }

    [Fact]
    public void This_process_runs_tuned_on_linux()
    {
        TorchNative.EnsureLoaded();
        bool expected = OperatingSystem.IsLinux() && NativeHeap.Decide(true, System.Environment.GetEnvironmentVariable) is null;
        Assert.Equal(expected, NativeHeap.Tuned);
        Assert.Contains(expected ? "tuned" : "defaults", NativeHeap.Status);
    }
}
