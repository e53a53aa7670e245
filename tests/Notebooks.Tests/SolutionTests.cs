using System.Text.RegularExpressions;
using VisionLab.Notebooks;

namespace Notebooks.Tests;

/// <summary>
/// Every chapter 01–10 ends with a Summary and at least four Exercises whose worked solutions run and check themselves;
/// every solutions notebook runs in the smoke profile like the chapters; no prose carries the test suite's bookkeeping.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed partial class SolutionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Solutions() => new(Repository.Solutions().Select(Path.GetFileName)!);

    public static TheoryData<string> Chapters() =>
        new(Repository.Notebooks().Select(Path.GetFileName).Where(n => !n!.StartsWith("00-", StringComparison.Ordinal))!);

    [Theory]
    [MemberData(nameof(Solutions))]
    public async Task Solutions_notebook_runs_and_its_checks_pass(string notebook)
    {
        var result = await NotebookRunner.RunAsync(Path.Combine(Repository.SolutionsFolder, notebook),
            new NotebookRunOptions { Profile = "smoke", Timeout = NotebookTests.NotebookTimeout }, TestContext.Current.CancellationToken);
        foreach (var cell in result.Cells)
            output.WriteLine($"cell {cell.Index,2} {cell.Elapsed.TotalSeconds,6:F1}s {(cell.Succeeded ? "ok  " : "FAIL")} {cell.FirstLine}");
        NotebookAssertions.Passed(result);
        Assert.Equal(Path.GetFileNameWithoutExtension(notebook), result.Checks!.Notebook);
    }

    [Theory]
    [MemberData(nameof(Chapters))]
    public void Chapter_ends_with_a_summary_and_exercises_that_link_to_their_solutions(string chapter)
    {
        var markdown = MarkdownCells(Path.Combine(Repository.NotebooksFolder, chapter));
        Assert.True(markdown.Count >= 2, $"{chapter}: too few markdown cells");
        var (summary, exercises) = (markdown[^2], markdown[^1]);
        Assert.True(summary.StartsWith("## Summary", StringComparison.Ordinal), $"{chapter}: the second-to-last markdown cell is not '## Summary'.");
        int bullets = summary.Split('\n').Count(l => l.StartsWith("- ", StringComparison.Ordinal));
        Assert.True(bullets is >= 3 and <= 6, $"{chapter}: the summary has {bullets} bullets (3 to 6).");
        Assert.True(exercises.StartsWith("## Exercises", StringComparison.Ordinal), $"{chapter}: the last markdown cell is not '## Exercises'.");
        int count = exercises.Split('\n').Count(l => NumberedItem().IsMatch(l));
        Assert.True(count >= 4, $"{chapter}: {count} exercises (at least 4).");
        var solutions = $"solutions/{Path.GetFileNameWithoutExtension(chapter)}-solutions.ipynb";
        Assert.True(exercises.Contains($"]({solutions})", StringComparison.Ordinal), $"{chapter}: the exercises do not link to {solutions}.");
        Assert.True(File.Exists(Path.Combine(Repository.NotebooksFolder, solutions)), $"{solutions} does not exist.");
    }

    [Fact]
    public void Every_solutions_notebook_belongs_to_a_chapter_links_back_and_loads_the_library_one_folder_deeper()
    {
        var chapterBootstrap = NotebookFile.CodeCells(Repository.Notebooks().First())[0].Source;
        var expected = chapterBootstrap.Replace("Path.Combine(\"..\", \"lib\"", "Path.Combine(\"..\", \"..\", \"lib\"").Replace("#r \"../lib/", "#r \"../../lib/");
        Assert.NotEqual(chapterBootstrap, expected);
        Assert.NotEmpty(Repository.Solutions());
        foreach (var path in Repository.Solutions())
        {
            var name = Path.GetFileName(path);
            var chapter = name.Replace("-solutions.ipynb", ".ipynb");
            Assert.True(name.EndsWith("-solutions.ipynb", StringComparison.Ordinal) && File.Exists(Path.Combine(Repository.NotebooksFolder, chapter)),
                $"{name}: not named after a chapter (NN-name-solutions.ipynb beside notebooks/NN-name.ipynb).");
            Assert.True(NotebookFile.CodeCells(path)[0].Source == expected, $"{name}: its first code cell is not the chapters' first cell with the library one folder up.");
            Assert.Contains($"](../{chapter})", MarkdownCells(path)[0]);
            // Cell ids: NotebookTests.Every_cell_has_a_unique_id; committed outputs: the run's NotebookAssertions.
        }
    }

    [Fact]
    public void No_markdown_of_a_chapter_or_solution_names_kernel_paths_CPUs_or_dates()
    {
        foreach (var path in Repository.Notebooks().Concat(Repository.Solutions()))
            foreach (var (text, n) in MarkdownCells(path).Select((t, n) => (t, n)))
                if (Bookkeeping().Match(text) is { Success: true } m)
                    Assert.Fail($"{Path.GetFileName(path)}, markdown cell {n}: '{m.Value}' is the test suite's bookkeeping (it belongs beside the floors in tests/numerics/).");
    }

    [Fact]
    public void The_bookkeeping_pattern_catches_what_it_is_for()
    {
        foreach (var text in new[] { "MKL_CBWR=AVX2", "under oneDNN", "an AMD EPYC", "an Intel Xeon", "measured on 2026-11-27", "ONEDNN_MAX_CPU_ISA" })
            Assert.Matches(Bookkeeping(), text);
        Assert.DoesNotMatch(Bookkeeping(), "a 28x28 image, 10 classes, the learning rate in 2 epochs");
    }

    static List<string> MarkdownCells(string path) => NotebookFile.MarkdownCells(path).Select(c => c.Source).ToList();

    [GeneratedRegex(@"^\d+\. ")]
    private static partial Regex NumberedItem();

    [GeneratedRegex(@"\bMKL|oneDNN|ONEDNN|\bAVX|\bEPYC\b|\bXeon\b|\bIntel\b|\bAMD\b|\bCBWR\b|kernel path|\b20\d\d-\d\d-\d\d\b", RegexOptions.IgnoreCase)]
    private static partial Regex Bookkeeping();
}
