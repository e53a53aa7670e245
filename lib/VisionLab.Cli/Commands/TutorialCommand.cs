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
        profile.AcceptOnlyFromAmong("smoke", "default", "full");
        var only = new Option<string[]>("--only") { Description = "Run only notebooks whose number is given, e.g. --only 00 --only 02.", AllowMultipleArgumentsPerToken = false };
        var output = new Option<DirectoryInfo>("--output") { Description = "Where executed notebooks go.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(Locations.Root, "artifacts", "notebooks")) };
        var timeout = new Option<int>("--timeout") { Description = "Per-notebook limit in minutes.", DefaultValueFactory = _ => 60 };
        var command = new Command("tutorial", "Run every tutorial notebook and write the executed notebooks.") { profile, only, output, timeout };
        command.SetAction((parse, cancellation) => RunAsync(
            RunProfiles.Parse(parse.GetValue(profile)), parse.GetValue(only) ?? [], parse.GetValue(output)!, TimeSpan.FromMinutes(parse.GetValue(timeout)), cancellation));
        return command;
    }

    static async Task<int> RunAsync(RunProfile profile, string[] only, DirectoryInfo output, TimeSpan timeout, CancellationToken cancellation)
    {
        var notebooks = Directory.EnumerateFiles(Locations.Notebooks, "*.ipynb").Order(StringComparer.Ordinal)
            .Where(p => only.Length == 0 || only.Any(n => Path.GetFileName(p).StartsWith(n.PadLeft(2, '0') + "-", StringComparison.Ordinal)))
            .ToList();
        if (notebooks.Count == 0)
        {
            AnsiConsole.MarkupLine($"[red]No notebook matches[/] {Markup.Escape(string.Join(", ", only))} in {Markup.Escape(Locations.Notebooks)}.");
            return 2;
        }
        AnsiConsole.MarkupLine($"Running {notebooks.Count} notebook(s), profile [bold]{profile.ToString().ToLowerInvariant()}[/]; " +
                               $"{Markup.Escape(TorchEnvironment.Describe().ToString())}");
        var results = new List<NotebookRunResult>();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                foreach (var path in notebooks)
                {
                    var name = Path.GetFileNameWithoutExtension(path);
                    var task = progress.AddTask(Markup.Escape(name), maxValue: NotebookFile.CodeCells(path).Count);
                    var reporter = new Progress<CellProgress>(p =>
                    {
                        task.Value = p.CodeCellNumber - 1;
                        var line = p.FirstLine.Length > 40 ? p.FirstLine[..37] + "..." : p.FirstLine;
                        task.Description = Markup.Escape($"{name}  cell {p.CodeCellNumber}/{p.CodeCellCount}: {line}");
                    });
                    var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions
                    {
                        Profile = profile.ToString().ToLowerInvariant(), Timeout = timeout, Progress = reporter,
                    }, cancellation);
                    ExecutedNotebookWriter.Write(result, Path.Combine(output.FullName, Path.GetFileName(path)));
                    task.Value = task.MaxValue;
                    task.Description = Markup.Escape(name) + (result.Succeeded ? " [green]done[/]" : " [red]failed[/]");
                    results.Add(result);
                }
            });

        var table = new Table().AddColumns("notebook", "cells", "seconds", "checks", "result");
        foreach (var r in results)
            table.AddRow(
                Markup.Escape(r.Name),
                $"{r.Cells.Count}/{r.CodeCellCount}",
                r.Elapsed.TotalSeconds.ToString("F1"),
                r.Checks is { } c ? $"{c.Passed} passed, {c.Failed} failed" : "none",
                r.Succeeded && r.Checks is { Failed: 0, Passed: > 0 } ? "[green]ok[/]" : "[red]" + Markup.Escape(r.Failure ?? "no checks ran") + "[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Executed notebooks: {Markup.Escape(output.FullName)}");
        // The book covers every executed chapter in the folder, so a run with --only refreshes its pages.
        var book = Path.Combine(output.FullName, "book");
        HtmlBook.Write(Directory.EnumerateFiles(output.FullName, "*.ipynb").Order(StringComparer.Ordinal), book);
        AnsiConsole.MarkupLine($"HTML book (open in a browser, works offline): {Markup.Escape(Path.Combine(book, "index.html"))}");
        return results.All(r => r.Succeeded && r.Checks is { Failed: 0, Passed: > 0 }) ? 0 : 1;
    }
}
