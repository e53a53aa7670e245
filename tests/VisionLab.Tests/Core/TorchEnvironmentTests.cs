using TorchSharp;
using VisionLab.Core;

namespace VisionLab.Tests.Core;

public sealed class TorchEnvironmentTests
{
    [Fact]
    public void Describe_reports_device_versions_and_threads()
    {
        var info = TorchEnvironment.Describe();
        Assert.Equal(info.CudaAvailable ? "cuda" : "cpu", info.Device);
        Assert.Equal("0.107.0", info.TorchSharpVersion);
        Assert.StartsWith("2.10.0", info.LibTorchVersion);
        Assert.True(info.Threads >= 1);
        Assert.Contains($"libtorch {info.LibTorchVersion}", info.ToString());
    }

    [Fact]
    public void TorchSharp_computes_on_the_default_device()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(6, dtype: torch.float32, device: TorchEnvironment.DefaultDevice).view(2, 3);
        Assert.Equal(83f, x.matmul(x.T).sum().item<float>()); // [[5, 14], [14, 50]]
    }

    [Theory]
    [InlineData(null, RunProfile.Default)]
    [InlineData("", RunProfile.Default)]
    [InlineData("smoke", RunProfile.Smoke)]
    [InlineData(" FULL ", RunProfile.Full)]
    public void Profiles_parse(string? name, RunProfile expected) => Assert.Equal(expected, RunProfiles.Parse(name));

    [Fact]
    public void An_unknown_profile_names_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => RunProfiles.Parse("quick"));
        Assert.Contains("smoke, default or full", error.Message);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData(" ", 0)]
    [InlineData("3", 3)]
    [InlineData(" 12 ", 12)]
    public void Run_seeds_parse(string? text, int expected) => Assert.Equal(expected, RunSeed.Parse(text));

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("seven")]
    [InlineData("99999999999")]
    public void A_bad_run_seed_names_the_variable(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => RunSeed.Parse(text));
        Assert.Contains("VISIONLAB_SEED", error.Message);
    }

    [Fact]
    public void Choose_picks_by_profile() =>
        Assert.Equal([1, 2, 3], new[] { RunProfile.Smoke, RunProfile.Default, RunProfile.Full }.Select(p => p.Choose(1, 2, 3)));
}
