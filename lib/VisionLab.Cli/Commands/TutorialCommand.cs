using System.CommandLine;
using Spectre.Console;
using VisionLab.Core;
using VisionLab.Notebooks;

namespace VisionLab.Cli.Commands;

/// <summary>
/// `visionlab tutorial`: the main job. Executes the notebooks on the bundled data, offline, with live
/// progress, writes them with their outputs to artifacts/ and as an HTML book, and prints a summary.
/// </summary>
public static class TutorialCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "smoke (CI: tiny data, very short runs), default or full.", DefaultValueFactory = _ => "default" };
        profile.OneOf("smoke", "default", "full");
        var only = new Option<string[]>("--only") { Description = "Run only notebooks whose number is given, e.g. --only 00 --only 02.", AllowMultipleArgumentsPerToken = false };
        var output = SharedOptions.Output("Where executed notebooks go.", Path.Combine(Locations.Root, "artifacts", "notebooks"));
        var timeout = new Option<int>("--timeout") { Description = "Per-notebook limit in minutes (1 to 1440).", DefaultValueFactory = _ => 60 }.AtLeast(1, 24 * 60);
        var seed = new Option<int>("--seed") { Description = "The seed chapters 03-08 train with (VISIONLAB_SEED); the data sets keep theirs. Another seed measures a check's spread.", DefaultValueFactory = _ => 0 };
        seed.AtLeast(0);
        var solutions = new Option<bool>("--solutions") { Description = "Run the worked solutions to the chapters' exercises (notebooks/solutions) instead of the chapters; --only picks chapters' solutions by number." };
        var command = new Command("tutorial", "Run every tutorial notebook and write the executed notebooks.") { profile, only, output, timeout, seed, solutions };
        command.SetAction((parse, cancellation) => RunAsync(
            RunProfiles.Parse(parse.GetValue(profile)), parse.GetValue(seed), parse.GetValue(only) ?? [], new DirectoryInfo(parse.GetValue(output)!),
            TimeSpan.FromMinutes(parse.GetValue(timeout)), parse.GetValue(solutions), cancellation));
        return command;
    }

    static async Task<int> RunAsync(RunProfile profile, int seed, string[] only, DirectoryInfo output, TimeSpan timeout, bool solutions, CancellationToken cancellation)
    {
        var source = solutions ? Locations.Solutions : Locations.Notebooks;
        var all = Directory.Exists(source) ? Directory.EnumerateFiles(source, "*.ipynb").Order(StringComparer.Ordinal).ToList() : [];
        var notebooks = all.Where(p => only.Length == 0 || only.Any(n => Path.GetFileName(p).StartsWith(n.PadLeft(2, '0') + "-", StringComparison.Ordinal))).ToList();
        if (notebooks.Count == 0)
        {
            CliErrors.WriteError(all.Count == 0 ? $"{source} holds no notebooks." :
                $"--only {string.Join(" --only ", only)}: no notebook in {source} has that number. The numbers are {string.Join(", ", all.Select(p => Path.GetFileName(p)[..2]))}.");
            return CliErrors.UserError;
        }
        // Solutions go beside the chapters they solve, in a folder of their own, as in the repository.
        var written = solutions ? new DirectoryInfo(Path.Combine(output.FullName, "solutions")) : output;
        // The output folder first: unwritable or in use by another tutorial run is found before the first notebook.
        using var folder = VisionLab.Training.RunFolder.Claim(output.FullName, "--output");
        written.Create();
        AnsiConsole.MarkupLine($"Running {notebooks.Count} {(solutions ? "solutions " : "")}notebook(s), profile [bold]{profile.ToString().ToLowerInvariant()}[/], seed {seed}; " +
                               $"{Markup.Escape(TorchEnvironment.Describe().ToString())}");
        var results = new List<NotebookRunResult>();
        async Task<NotebookRunResult> Run(string path, IProgress<CellProgress> reporter)
        {
            var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions
            {
                Profile = profile.ToString().ToLowerInvariant(), Seed = seed, Timeout = timeout, Progress = reporter,
            }, cancellation);
            ExecutedNotebookWriter.Write(result, Path.Combine(written.FullName, Path.GetFileName(path)));
            results.Add(result);
            return result;
        }
        if (AnsiConsole.Profile.Capabilities.Interactive)
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async progress =>
                {
                    foreach (var path in notebooks)
                    {
                        var name = Path.GetFileNameWithoutExtension(path);
                        var task = progress.AddTask(Markup.Escape(name), maxValue: NotebookFile.CodeCells(path).Count);
                        var result = await Run(path, new Progress<CellProgress>(p =>
                        {
                            task.Value = p.CodeCellNumber - 1;
                            task.Description = Markup.Escape($"{name}  cell {p.CodeCellNumber}/{p.CodeCellCount}: {Shorten(p.FirstLine, 40)}");
                        }));
                        task.Value = task.MaxValue;
                        task.Description = Markup.Escape(name) + (Passed(result) ? " [green]done[/]" : " [red]failed[/]");
                    }
                });
        else
        {
            // A log or CI: one plain line per cell and per notebook, never a redrawn display.
            for (int n = 0; n < notebooks.Count; n++)
            {
                var name = Path.GetFileNameWithoutExtension(notebooks[n]);
                Console.WriteLine($"[{n + 1}/{notebooks.Count}] {name}");
                var result = await Run(notebooks[n], new SynchronousProgress<CellProgress>(p =>
                    Console.WriteLine($"    cell {p.CodeCellNumber}/{p.CodeCellCount}: {Shorten(p.FirstLine, 70)}")));
                Console.WriteLine($"    {(Passed(result) ? "done" : "FAILED")} in {result.Elapsed.TotalSeconds:F0} s");
            }
        }

        // Readable in a log 80 columns wide: the names never wrap, the other columns are short.
        var table = new Table().AddColumn(new TableColumn("notebook").NoWrap()).AddColumn(new TableColumn("cells").RightAligned())
            .AddColumn(new TableColumn("s").RightAligned()).AddColumn(new TableColumn("checks").RightAligned()).AddColumn("result");
        foreach (var r in results)
            table.AddRow(
                Markup.Escape(r.Name),
                $"{r.Cells.Count}/{r.CodeCellCount}",
                r.Elapsed.TotalSeconds.ToString("F0"),
                r.Checks is { } c ? (c.Failed == 0 ? $"{c.Passed} ok" : $"{c.Failed} failed") : "none",
                Passed(r) ? Outcome(r) : "[red]" + Markup.Escape(string.Join("\n", r.FailureSummary())) + "[/]");
        AnsiConsole.Write(table);
        int skipped = results.Sum(r => r.SkippedParts.Count);
        if (skipped > 0)
            AnsiConsole.MarkupLine($"[yellow]{skipped} part(s) skipped on this machine[/] (the checks ran without them): " +
                                   Markup.Escape(string.Join("; ", results.SelectMany(r => r.SkippedParts.Select(s => $"{r.Name}: {s}")))));
        if (results.Any(r => !Passed(r)))
            AnsiConsole.MarkupLine("Each failed notebook is written with its outputs, the failing cell's full error included: open it from the folder below.");
        AnsiConsole.MarkupLine($"Executed notebooks: {Markup.Escape(written.FullName)}");
        // The book covers every executed chapter and solution in the folder, so a run with --only refreshes its pages.
        var book = Path.Combine(output.FullName, "book");
        var solved = Path.Combine(output.FullName, "solutions");
        HtmlBook.Write(Directory.EnumerateFiles(output.FullName, "*.ipynb").Order(StringComparer.Ordinal)
            .Concat(Directory.Exists(solved) ? Directory.EnumerateFiles(solved, "*.ipynb").Order(StringComparer.Ordinal) : []), book);
        AnsiConsole.MarkupLine($"HTML book (open in a browser, works offline): {Markup.Escape(Path.Combine(book, "index.html"))}");
        return results.All(Passed) ? 0 : 1;
    }

    static string Outcome(NotebookRunResult r) =>
        r.SkippedParts.Count == 0 ? "[green]ok[/]" : $"[green]ok[/], [yellow]{r.SkippedParts.Count} skipped[/]";

    static bool Passed(NotebookRunResult r) => r.Succeeded && r.Checks is { Failed: 0, Passed: > 0 };

    static string Shorten(string line, int length) => line.Length > length ? line[..(length - 3)] + "..." : line;

    /// <summary>Reports on the caller's thread, so plain lines come out in order.</summary>
    sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
