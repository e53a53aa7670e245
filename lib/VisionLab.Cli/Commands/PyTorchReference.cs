using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VisionLab.Cli.Commands;

/// <summary>
/// Runs the guide's PyTorch code (tests/benchmarks/*.py under Debian's python3-torch) as the side-by-side
/// reference for `visionlab bench ... --compare-pytorch`, installing it first when it is missing.
/// </summary>
public static partial class PyTorchReference
{
    /// <summary>The interpreter with Debian's torch (VISIONLAB_PYTHON overrides; pyenv's python3 on PATH has no torch).</summary>
    public static string Python => Environment.GetEnvironmentVariable("VISIONLAB_PYTHON") ?? "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(Locations.Root, "tests", "benchmarks", name);

    /// <summary>Makes sure torch imports, running tests/benchmarks/install-pytorch-reference.sh (apt) if it does not.</summary>
    public static void EnsureInstalled(Action<string> log)
    {
        var installer = Script("install-pytorch-reference.sh");
        var (code, output) = Run("bash", [installer], TimeSpan.FromMinutes(15), log);
        if (code != 0)
            throw new InvalidOperationException($"Could not install the PyTorch reference (exit {code}). Run `sudo bash {installer}` yourself, then retry.\n{output}");
        var (check, message) = Run(Python, ["-c", "import torch; print(torch.__version__)"], TimeSpan.FromMinutes(1), null);
        if (check != 0) throw new InvalidOperationException($"{Python} cannot import torch after installation: {message}");
    }

    /// <summary>One measured round of the PyTorch training step: its images/s, the line it printed, its peak resident memory,
    /// and for the -tiny models the aten operations of one step.</summary>
    public static (double ImagesPerSecond, string Line, double? PeakMiB, int? Operations) TrainStep(string model, int batches, int batchSize,
        VisionLab.Training.Precision precision = VisionLab.Training.Precision.Float32)
    {
        string mode = precision switch
        {
            VisionLab.Training.Precision.Float16 => "fp16",
            VisionLab.Training.Precision.BFloat16 => "bf16",
            _ => "fp32",
        };
        var (code, output) = Run(Python, [Script("train_step_pytorch.py"), batches.ToString(CultureInfo.InvariantCulture), "1", model,
            batchSize.ToString(CultureInfo.InvariantCulture), mode], TimeSpan.FromMinutes(30), null);
        var line = output.Split('\n').LastOrDefault(l => l.Contains("images/s median", StringComparison.Ordinal)) ?? "";
        var match = MedianPattern().Match(line);
        if (code != 0 || !match.Success) throw new InvalidOperationException($"The PyTorch reference failed (exit {code}):\n{output}");
        var peak = PeakPattern().Match(line);
        var operations = OperationsPattern().Match(line);
        return (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), line.Trim(),
            peak.Success ? double.Parse(peak.Groups[1].Value, CultureInfo.InvariantCulture) : null,
            operations.Success ? int.Parse(operations.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>One measured round of the guide's model in eager PyTorch inference: images/s per batch size.</summary>
    public static IReadOnlyDictionary<int, double> Inference(string model, int repetitions, int[] batchSizes)
    {
        var (code, output) = Run(Python, [Script("inference_pytorch.py"), model, repetitions.ToString(CultureInfo.InvariantCulture),
            .. batchSizes.Select(b => b.ToString(CultureInfo.InvariantCulture))], TimeSpan.FromMinutes(30), null);
        var rates = new Dictionary<int, double>();
        foreach (var line in output.Split('\n'))
            if (BatchPattern().Match(line) is { Success: true } m)
                rates[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        if (code != 0 || batchSizes.Any(b => !rates.ContainsKey(b))) throw new InvalidOperationException($"The PyTorch inference reference failed (exit {code}):\n{output}");
        return rates;
    }

    /// <summary>Runs the reference with this process's libtorch thread count (the scripts read VISIONLAB_THREADS), so both sides use the same threads.</summary>
    static (int ExitCode, string Output) Run(string file, string[] arguments, TimeSpan timeout, Action<string>? log)
    {
        var threads = new Dictionary<string, string> { ["VISIONLAB_THREADS"] = TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture) };
        var (code, lines) = VisionLab.Core.ChildProcess.Run(file, arguments, timeout, log, environment: threads);
        return (code, string.Concat(lines.Select(l => l + Environment.NewLine)));
    }

    [GeneratedRegex(@"images/s median ([0-9.]+)")]
    private static partial Regex MedianPattern();

    [GeneratedRegex(@"peak RSS ([0-9.]+) MiB")]
    private static partial Regex PeakPattern();

    [GeneratedRegex(@"aten ops per step ([0-9]+)")]
    private static partial Regex OperationsPattern();

    /// <summary>One measured run of the guide's pipeline in torchvision: images/s with the given DataLoader workers.</summary>
    public static double Pipeline(int images, int workers)
    {
        var (code, output) = Run(Python, [Script("pipeline_torchvision.py"), images.ToString(CultureInfo.InvariantCulture), "1"], TimeSpan.FromMinutes(30), null);
        foreach (var line in output.Split('\n'))
            if (PipelinePattern().Match(line) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == workers)
                return double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"The torchvision pipeline reference failed (exit {code}):\n{output}");
    }

    [GeneratedRegex(@"workers=(\d+) images/s median=([0-9.]+)")]
    private static partial Regex PipelinePattern();

    [GeneratedRegex(@"batch (\d+): images/s median ([0-9.]+)")]
    private static partial Regex BatchPattern();
}
