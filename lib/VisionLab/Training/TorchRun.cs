using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VisionLab.Core;

namespace VisionLab.Training;

/// <summary>What a hand-off run to PyTorch's distributed engine does (the script's options; see tests/golden/train_distributed.py).</summary>
public sealed record DistributedRunOptions
{
    /// <summary>Processes on this machine (torchrun's --nproc_per_node): one per GPU, or CPU processes sharing the cores.</summary>
    public int Processes { get; init; } = 2;
    public int Epochs { get; init; } = 1;
    /// <summary>Per process; the global batch is Processes times it.</summary>
    public int BatchSizePerProcess { get; init; } = 64;
    /// <summary>Null: the recipe's 3e-4 scaled linearly with the global batch (3e-4 at 128).</summary>
    public double? LearningRate { get; init; }
    /// <summary>Train on the first N images only; 0: all.</summary>
    public int Limit { get; init; }
    public int Seed { get; init; }
    /// <summary>The catalog name of the architecture (modern-cnn, vit-32, vit-32-prenorm).</summary>
    public string Model { get; init; } = "modern-cnn";
    /// <summary>The folder with Fashion-MNIST's IDX files; null: the bundled subset.</summary>
    public string? DataFolder { get; init; }
    /// <summary>A resumable checkpoint the script writes after every epoch and resumes from when present; null: none.</summary>
    public string? Checkpoint { get; init; }
}

/// <summary>What the distributed run reported: the weights it wrote and its accuracy on the whole test split.</summary>
public sealed record DistributedRunResult(string Weights, int Correct, int Images, IReadOnlyList<string> Output, TimeSpan Elapsed)
{
    public double Accuracy => (double)Correct / Images;
}

/// <summary>
/// Hands training over to PyTorch's own distributed engine: starts <c>torchrun</c> on the script that continues the
/// guide's recipe with DistributedDataParallel from a state_dict VisionLab exported, and returns what it wrote.
/// TorchSharp has no torch.distributed; this is the honest way to more than one machine or GPU.
/// </summary>
public static partial class TorchRun
{
    /// <summary>VISIONLAB_TORCHRUN names the launcher when it is not the torchrun on PATH.</summary>
    public const string EnvironmentVariable = "VISIONLAB_TORCHRUN";
    public const string InstallHint = "install PyTorch (Debian 12: sudo apt-get install python3-torch) or set " + EnvironmentVariable + " to your torchrun";

    /// <summary>The script beside the guide's PyTorch models in a VisionLab checkout.</summary>
    public static string ScriptIn(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "golden", "train_distributed.py");

    /// <summary>The torchrun launcher, or null when PyTorch is not installed.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "torchrun")).FirstOrDefault(File.Exists);
    }

    /// <summary>The command line, as a user would type it (shown by the notebook and in errors).</summary>
    public static IReadOnlyList<string> Arguments(string script, string weights, string output, DistributedRunOptions options)
    {
        var arguments = new List<string>
        {
            // One machine, a rendezvous on a free port: --standalone in PyTorch 1.13 always takes port 29400, so two runs
            // at once (tests, a notebook) join each other's rendezvous and fail. --redirects 1 --tee 1 keeps the workers'
            // output on the console with a rank prefix and sidesteps torchrun 1.13's crash on Python 3.11 with "0".
            "--nnodes", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint", "localhost:0",
            "--nproc_per_node", options.Processes.ToString(CultureInfo.InvariantCulture), "--redirects", "1", "--tee", "1",
            script, weights, "--output", output, "--model", options.Model,
            "--epochs", options.Epochs.ToString(CultureInfo.InvariantCulture),
            "--batch-size", options.BatchSizePerProcess.ToString(CultureInfo.InvariantCulture),
            "--limit", options.Limit.ToString(CultureInfo.InvariantCulture),
            "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (options.LearningRate is double lr) arguments.AddRange(["--lr", lr.ToString("R", CultureInfo.InvariantCulture)]);
        if (options.DataFolder is { } data) arguments.AddRange(["--data", data]);
        if (options.Checkpoint is { } checkpoint) arguments.AddRange(["--checkpoint", checkpoint]);
        return arguments;
    }

    /// <summary>
    /// Runs the script under torchrun and waits for it; <paramref name="log"/> gets each line the workers print.
    /// Inputs are checked first, so a missing file or launcher is a one-line error before any process starts.
    /// </summary>
    public static DistributedRunResult Train(string script, string weights, string output, DistributedRunOptions options,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (options.Processes < 1) throw new ArgumentOutOfRangeException(nameof(options), "Processes: at least 1.");
        if (options.Epochs < 1 || options.BatchSizePerProcess < 1 || options.Limit < 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Epochs and BatchSizePerProcess: at least 1; Limit: at least 0.");
        var launcher = Find() ?? throw new ActionableException(Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured
            ? $"{EnvironmentVariable}={configured}: no such file; point it at torchrun or unset it."
            : $"torchrun was not found: {InstallHint}.");
        if (!File.Exists(script)) throw new ActionableException($"The distributed training script {script} is missing: it ships in VisionLab's tests/golden folder.");
        if (!File.Exists(weights)) throw new ActionableException($"No weights at {weights}: write them with `visionlab export <weights> --format pytorch` (or PyTorchWeights.Save).");
        if (options.DataFolder is { } data && !Directory.Exists(data)) throw new ActionableException($"DataFolder {data} does not exist: it should hold Fashion-MNIST's IDX files.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ActionableException($"The output {output} cannot be written: the folder {folder} cannot be created ({e.Message}).", e);
        }

        var clock = Stopwatch.StartNew();
        var (exitCode, printed) = ChildProcess.Run(launcher, Arguments(script, weights, output, options), log: log, cancellationToken: cancellationToken);
        if (exitCode != 0)
        {
            // The script's own one-line error, when it gave one; else the end of what torchrun printed.
            var error = printed.Select(l => ErrorPattern().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            throw new ActionableException(error is not null ? $"Distributed training stopped: {error}"
                : $"torchrun exited with {exitCode}; its last lines:\n{string.Join('\n', printed.TakeLast(15))}");
        }
        var accuracy = printed.Select(l => AccuracyPattern().Match(l)).LastOrDefault(m => m.Success)
            ?? throw new ActionableException($"torchrun finished but the script reported no test accuracy; its output:\n{string.Join('\n', printed.TakeLast(15))}");
        return new DistributedRunResult(output, int.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(accuracy.Groups[2].Value, CultureInfo.InvariantCulture), printed, clock.Elapsed);
    }

    [GeneratedRegex(@"test accuracy [0-9.]+ \((\d+)/(\d+)\)")]
    private static partial Regex AccuracyPattern();

    [GeneratedRegex(@"error: (.+)$")]
    private static partial Regex ErrorPattern();
}
