using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace VisionLab.Notebooks;

public sealed record NotebookRunOptions
{
    /// <summary>Value for VISIONLAB_PROFILE while the notebook runs (smoke, default, full); null keeps the environment's.</summary>
    public string? Profile { get; init; }
    /// <summary>Value for VISIONLAB_SEED while the notebook runs (the seed its training starts from); null keeps the environment's.</summary>
    public int? Seed { get; init; }
    /// <summary>The whole notebook must finish within this time.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
    public IProgress<CellProgress>? Progress { get; init; }
}

/// <summary>
/// Executes a notebook's C# cells in-process, one after another, on a kernel set up like the
/// official .NET Interactive Jupyter kernel, with the notebook's folder as working directory.
/// Stops at the first failing cell. One notebook at a time per process (working directory and
/// environment are process-wide).
/// </summary>
public static partial class NotebookRunner
{
    static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task<NotebookRunResult> RunAsync(string path, NotebookRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NotebookRunOptions();
        path = Path.GetFullPath(path);
        var codeCells = NotebookFile.CodeCells(path);
        await OneAtATime.WaitAsync(cancellationToken);
        var previousDirectory = Environment.CurrentDirectory;
        var previousProfile = Environment.GetEnvironmentVariable("VISIONLAB_PROFILE");
        var previousSeed = Environment.GetEnvironmentVariable("VISIONLAB_SEED");
        var clock = Stopwatch.StartNew();
        var cells = new List<CellResult>();
        string? failure = null;
        var torchBefore = TorchSharpAssemblies();
        long baseline = LiveTensorCount(torchBefore), left = 0;
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(path)!;
            if (options.Profile is not null) Environment.SetEnvironmentVariable("VISIONLAB_PROFILE", options.Profile);
            if (options.Seed is int seed) Environment.SetEnvironmentVariable("VISIONLAB_SEED", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var kernel = CreateKernel();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Timeout);
            for (int n = 0; n < codeCells.Count && failure is null; n++)
            {
                var (index, source) = codeCells[n];
                var firstLine = NotebookFile.FirstLine(source);
                options.Progress?.Report(new CellProgress(Path.GetFileName(path), index, n + 1, codeCells.Count, firstLine));
                var cell = await RunCellAsync(kernel, index, firstLine, source, timeout.Token, options.Timeout);
                cells.Add(cell);
                if (cell.Error is not null)
                    failure = $"cell {index} ('{firstLine}') failed: {cell.Error}";
            }
            // Counted while the kernel (and so the notebook's variables) is still alive.
            // The C# kernel loads #r assemblies into a load context of its own, so a notebook usually
            // brings its own TorchSharp; count that one. A host that shares one counts the difference.
            var torchNow = TorchSharpAssemblies();
            var torchNew = torchNow.Except(torchBefore).ToList();
            left = torchNew.Count > 0 ? LiveTensorCount(torchNew) : LiveTensorCount(torchNow) - baseline;
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
            Environment.SetEnvironmentVariable("VISIONLAB_PROFILE", previousProfile);
            Environment.SetEnvironmentVariable("VISIONLAB_SEED", previousSeed);
            OneAtATime.Release();
        }
        var checks = FindChecks(cells);
        return new NotebookRunResult(path, cells, codeCells.Count, clock.Elapsed, checks, left, failure)
        {
            FailedChecks = StdoutLines(cells, FailedCheckLine()),
            SkippedParts = StdoutLines(cells, SkippedLine()),
        };
    }

    static async Task<CellResult> RunCellAsync(Kernel kernel, int index, string firstLine, string source, CancellationToken token, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var outputs = new List<CellOutput>();
        var displayed = new Dictionary<string, int>();
        string? error = null;
        var submission = kernel.SendAsync(new SubmitCode(source), token);
        var finished = await Task.WhenAny(submission, Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (finished != submission)
            return new CellResult(index, firstLine, clock.Elapsed, outputs, $"timed out (the notebook's limit is {limit})");
        foreach (var e in (await submission).Events)
        {
            switch (e)
            {
                case StandardOutputValueProduced o: outputs.Add(Text("stdout", o)); break;
                case StandardErrorValueProduced o: outputs.Add(Text("stderr", o)); break;
                case DisplayedValueUpdated u when u.ValueId is not null && displayed.TryGetValue(u.ValueId, out var at):
                    outputs[at] = Data("display_data", u); break;
                case DisplayedValueProduced d:
                    if (d.ValueId is not null) displayed[d.ValueId] = outputs.Count;
                    outputs.Add(Data("display_data", d)); break;
                case ReturnValueProduced r: outputs.Add(Data("execute_result", r)); break;
                case CommandFailed f: error = f.Message; break;
            }
        }
        return new CellResult(index, firstLine, clock.Elapsed, outputs, error);
    }

    static CellOutput Text(string stream, DisplayEvent e) =>
        new("stream:" + stream, new Dictionary<string, string> { ["text/plain"] = string.Concat(e.FormattedValues.Select(v => v.Value)) });

    static CellOutput Data(string kind, DisplayEvent e) =>
        new(kind, e.FormattedValues.GroupBy(v => v.MimeType).ToDictionary(g => g.Key, g => g.First().Value));

    /// <summary>A composite kernel with C# set up as the official kernel sets it up for Jupyter.</summary>
    public static CompositeKernel CreateKernel()
    {
        // Jupyter's front end prefers HTML and shows strings as plain text (the app's SetUpFormatters).
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        return composite;
    }

    [GeneratedRegex(@"\[visionlab-checks\] notebook=(\S+) passed=(\d+) failed=(\d+)")]
    private static partial Regex ChecksLine();

    [GeneratedRegex(@"^\[visionlab-check-failed\] (.*)$", RegexOptions.Multiline)]
    private static partial Regex FailedCheckLine();

    [GeneratedRegex(@"^SKIPPED: (.*)$", RegexOptions.Multiline)]
    private static partial Regex SkippedLine();

    /// <summary>The first group of every line of the notebook's standard output that the pattern matches, in order.</summary>
    static List<string> StdoutLines(IEnumerable<CellResult> cells, Regex line) =>
        cells.SelectMany(c => c.Outputs).Where(o => o.Kind == "stream:stdout")
            .SelectMany(o => line.Matches(o.Data["text/plain"]).Select(m => m.Groups[1].Value.TrimEnd('\r')))
            .ToList();

    static ChecksSummary? FindChecks(IEnumerable<CellResult> cells)
    {
        ChecksSummary? last = null;
        foreach (var output in cells.SelectMany(c => c.Outputs).Where(o => o.Kind == "stream:stdout"))
            foreach (Match m in ChecksLine().Matches(output.Data["text/plain"]))
                last = new ChecksSummary(m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
        return last;
    }

    /// <summary>
    /// TorchSharp's live tensor count (after a full garbage collection) over the given TorchSharp
    /// assemblies, read by reflection: this host does not reference TorchSharp, notebooks load it.
    /// </summary>
    public static long LiveTensorCount(IEnumerable<Assembly> torchSharpAssemblies)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torchSharpAssemblies
            .Select(a => a.GetType("TorchSharp.torch+Tensor")?.GetProperty("TotalCount", BindingFlags.Public | BindingFlags.Static))
            .Sum(p => p is null ? 0L : (long)p.GetValue(null)!);
    }

    static List<Assembly> TorchSharpAssemblies() =>
        AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "TorchSharp").ToList();
}
