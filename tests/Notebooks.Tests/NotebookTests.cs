using VisionLab.Notebooks;

namespace Notebooks.Tests;

/// <summary>Every notebook in notebooks/, executed headlessly in the smoke profile CI uses.</summary>
[Collection(NotebookCollection.Name)]
public sealed class NotebookTests(ITestOutputHelper output)
{
    public static TheoryData<string> All() => new(Repository.Notebooks().Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(All))]
    public async Task Notebook_runs_and_its_checks_pass(string notebook)
    {
        var result = await NotebookRunner.RunAsync(Path.Combine(Repository.NotebooksFolder, notebook),
            new NotebookRunOptions { Profile = "smoke", Timeout = NotebookTimeout }, TestContext.Current.CancellationToken);
        foreach (var cell in result.Cells)
            output.WriteLine($"cell {cell.Index,2} {cell.Elapsed.TotalSeconds,6:F1}s {(cell.Succeeded ? "ok  " : "FAIL")} {cell.FirstLine}");
        NotebookAssertions.Passed(result);
    }

    [Fact]
    public async Task Setup_notebook_shows_a_tensor_as_an_image_and_a_Plotly_chart_as_html()
    {
        var result = await NotebookRunner.RunAsync(Path.Combine(Repository.NotebooksFolder, "00-setup.ipynb"),
            new NotebookRunOptions { Profile = "smoke" }, TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded, result.Failure);
        Assert.True(result.Produced("text/html", html => html.Contains("<img src=\"data:image/png;base64,")), "no tensor image in text/html");
        Assert.True(result.Produced("text/html", html => html.Contains("Plotly.newPlot")), "no Plotly chart in text/html");
        Assert.True(result.Produced("text/html", html => html.Contains("TorchSharp") && html.Contains("libtorch")), "environment report missing");
    }

    [Fact]
    public void Every_notebook_starts_with_the_same_bootstrap_cell()
    {
        var firstCells = Repository.Notebooks().Select(p => (Name: Path.GetFileName(p), Source: NotebookFile.CodeCells(p)[0].Source)).ToList();
        Assert.NotEmpty(firstCells);
        foreach (var (name, source) in firstCells)
        {
            Assert.True(source == firstCells[0].Source, $"{name}'s first code cell differs from {firstCells[0].Name}'s: every notebook loads the library the same way.");
            Assert.Contains("#r \"../lib/VisionLab/bin/net10.0/VisionLab.dll\"", source);
            Assert.Contains("NotebookSetup.Run()", source);
        }
    }

    [Fact]
    public void Every_cell_has_a_unique_id()
    {
        // nbformat 4.5 requires cell ids. Without them every reader invents its own, so the trust signature Jupyter
        // Notebook computes never matches the file and its charts stay blank (found on chapter 10's first version).
        foreach (var path in Repository.Notebooks().Concat(Repository.Solutions()))
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var ids = document.RootElement.GetProperty("cells").EnumerateArray()
                .Select(c => c.TryGetProperty("id", out var id) ? id.GetString() : null).ToList();
            Assert.True(ids.All(id => !string.IsNullOrEmpty(id)), $"{Path.GetFileName(path)}: {ids.Count(string.IsNullOrEmpty)} cell(s) without an id.");
            Assert.True(ids.Distinct().Count() == ids.Count, $"{Path.GetFileName(path)}: cell ids repeat.");
        }
    }

    /// <summary>Per-notebook limit; VISIONLAB_NOTEBOOK_TIMEOUT (seconds) overrides it.</summary>
    public static TimeSpan NotebookTimeout =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("VISIONLAB_NOTEBOOK_TIMEOUT"), out var s) ? s : 600);
}

/// <summary>Notebooks share process-wide state (working directory, formatters): one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "notebooks";
}
