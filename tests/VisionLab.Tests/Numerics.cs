using System.Globalization;

namespace VisionLab.Tests;

/// <summary>
/// Tests whose outcome depends on the CPU's floating-point paths carry <c>[Trait("Category", "Numerics")]</c>: goldens
/// against PyTorch/torchvision and the statistics of trained models. libtorch's bundled MKL and oneDNN choose kernels by
/// CPU, so the last bits differ between machines (AMD EPYC and Intel Xeon with AVX-512 both run CI), and a trained
/// model's statistics move with them. tests/numerics/run-under-configurations.sh runs these tests under other kernel
/// paths on one machine (MKL_CBWR, ONEDNN_MAX_CPU_ISA); tests/numerics/measure-spread.sh measures the statistics over
/// seeds and configurations (tests/numerics/spread.tsv), and each floor is set from that spread, not from one run.
/// </summary>
public static class Numerics
{
    /// <summary>Shifts the seeds of the statistical tests (default 0: the committed experiment).</summary>
    public const string SeedVariable = "VISIONLAB_TEST_SEED";

    /// <summary>A file the statistical tests append their statistics to (one tab-separated line each).</summary>
    public const string StatisticsFileVariable = "VISIONLAB_TEST_STATISTICS";

    /// <summary>The seed offset: 0 unless <see cref="SeedVariable"/> names another.</summary>
    public static int Seed { get; } =
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : 0;

    /// <summary>A test's own seed moved by <see cref="Seed"/>: unchanged in a normal run.</summary>
    public static int Seeded(int baseSeed) => baseSeed + Seed;

    /// <summary>
    /// Reports a statistic before it is asserted, so a failing run still yields it: a line
    /// <c>NUMERICS-STAT &lt;test&gt; &lt;statistic&gt; &lt;value&gt; seed=&lt;seed&gt; threads=&lt;libtorch threads&gt;</c> in the test's output and,
    /// when <see cref="StatisticsFileVariable"/> is set, in that file.
    /// </summary>
    public static void Report(string test, string statistic, double value)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"NUMERICS-STAT\t{test}\t{statistic}\t{value:R}\tseed={Seed}\tthreads={TorchSharp.torch.get_num_threads()}");
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        var file = Environment.GetEnvironmentVariable(StatisticsFileVariable);
        if (!string.IsNullOrEmpty(file))
            lock (typeof(Numerics)) File.AppendAllText(file, line + "\n");
    }
}
