using System.Text.Json.Nodes;
using VisionLab.Notebooks;

namespace Notebooks.Tests;

/// <summary>
/// What a chart becomes on its way to a reader: the Plotly MIME bundle and HTML that brings plotly.js once per
/// notebook, the executed notebook on disk, and the HTML book. (CI also draws them in a real browser:
/// .ci/check-rendering.sh.)
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class ChartOutputTests
{
    const string PlotlyMime = "application/vnd.plotly.v1+json";
    const string LibraryMarker = "data-visionlab-plotly";

    const string TwoCharts = """
        var xs = new double[] { 1, 2, 3 };
        display(VisionLab.Visualization.Charts.Lines("first", "x", "y", new VisionLab.Visualization.Series("a", xs, xs)));
        VisionLab.Visualization.Charts.Bars("second", "x", "y", new[] { "p", "q" }, new double[] { 1, 2 })
        """;

    [Fact]
    public async Task Charts_carry_the_Plotly_bundle_and_plotly_js_once_and_the_book_draws_them_from_its_assets()
    {
        using var scratch = new Repository.ScratchFolder();
        var path = scratch.Write("charts.ipynb", TestNotebooks.Make([
            "// Charts\n" + TestNotebooks.Bootstrap, TwoCharts, TwoCharts, TestNotebooks.Checks]));
        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { Profile = "smoke", Timeout = TimeSpan.FromMinutes(3) }, TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded, result.Failure);

        var charts = result.AllOutputs.Where(o => o.Data.ContainsKey(PlotlyMime)).ToList();
        Assert.Equal(4, charts.Count);
        Assert.All(charts, c => Assert.Contains("class=\"visionlab-chart\"", c.Data["text/html"]));
        Assert.All(charts, c => Assert.True(JsonNode.Parse(c.Data[PlotlyMime])!["data"]!.AsArray().Count > 0, "the MIME bundle holds the figure's traces"));
        // plotly.js (megabytes) travels with the first chart of the notebook only.
        Assert.Equal([true, false, false, false], charts.Select(c => c.Data["text/html"].Contains(LibraryMarker)));
        Assert.True(charts[0].Data["text/html"].Length > 1_000_000, "the first chart brings plotly.js itself");

        // On disk, nbformat keeps a JSON MIME type as JSON.
        var executed = Path.Combine(scratch.Folder, "executed", "01-charts.ipynb");
        ExecutedNotebookWriter.Write(result, executed);
        var written = JsonNode.Parse(File.ReadAllText(executed))!["cells"]!.AsArray()
            .SelectMany(c => c!["outputs"]?.AsArray() ?? []).Where(o => o!["data"]?[PlotlyMime] is not null).ToList();
        Assert.Equal(4, written.Count);
        Assert.All(written, o => Assert.IsType<JsonObject>(o!["data"]![PlotlyMime]));

        // The book: plotly.js once in its assets, no chart page carries it inline, every chart placeholder kept.
        var bookFolder = Path.Combine(scratch.Folder, "book");
        var chapters = HtmlBook.Write([executed], bookFolder);
        var chapter = Assert.Single(chapters);
        Assert.Equal("01-charts.html", chapter.Page);
        var page = File.ReadAllText(Path.Combine(bookFolder, chapter.Page));
        Assert.DoesNotContain(LibraryMarker, page);
        Assert.Contains("<script src=\"assets/plotly.min.js\"></script>", page);
        Assert.Equal(4, page.Split("class=\"visionlab-chart\"").Length - 1);
        Assert.Contains("window.Plotly", File.ReadAllText(Path.Combine(bookFolder, "assets", "plotly.min.js")));
        Assert.Contains("href=\"01-charts.html\"", File.ReadAllText(Path.Combine(bookFolder, "index.html")));
    }

    [Fact]
    public void The_book_renders_markdown_streams_and_errors_and_names_its_chapters()
    {
        using var scratch = new Repository.ScratchFolder();
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(
                new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = "# 7. A chapter\n\nSome **bold** text.\n\n| a | b |\n|---|---|\n| 1 | 2 |" },
                new JsonObject
                {
                    ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["execution_count"] = 1, ["source"] = "Console.WriteLine(\"<hi>\");",
                    ["outputs"] = new JsonArray(
                        new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "<hi>\n" },
                        new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "second line\n" },
                        new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "boom", ["traceback"] = new JsonArray() }),
                }),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        var path = scratch.Write("07-chapter.ipynb", notebook.ToJsonString());
        var chapters = HtmlBook.Write([path], Path.Combine(scratch.Folder, "book"));
        Assert.Equal("7. A chapter", Assert.Single(chapters).Title);
        var page = File.ReadAllText(Path.Combine(scratch.Folder, "book", "07-chapter.html"));
        Assert.Contains("<strong>bold</strong>", page);
        Assert.Contains("<table>", page);
        Assert.Contains("&lt;hi&gt;\nsecond line\n</pre>", page);   // escaped, not interpreted; one block per stream, as Jupyter shows it
        Assert.Contains("Error: boom", page);
        Assert.DoesNotContain("plotly.min.js", page);   // no chart, no library
        Assert.False(File.Exists(Path.Combine(scratch.Folder, "book", "assets", "plotly.min.js")));
    }

    [Fact]
    public void The_book_links_a_chapter_to_its_solutions_and_back_and_lists_the_solutions_apart()
    {
        using var scratch = new Repository.ScratchFolder();
        static string Notebook(string markdown) => new JsonObject
        {
            ["cells"] = new JsonArray(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = markdown }),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        }.ToJsonString();
        var chapter = scratch.Write("01-chapter.ipynb", Notebook("# 1. A chapter\n\nSee [the solutions](solutions/01-chapter-solutions.ipynb#exercise-2) or [the site](https://example.org/x.ipynb)."));
        Directory.CreateDirectory(Path.Combine(scratch.Folder, "solutions"));
        var solutions = Path.Combine(scratch.Folder, "solutions", "01-chapter-solutions.ipynb");
        File.WriteAllText(solutions, Notebook("# Solutions to chapter 1\n\nBack to [the chapter](../01-chapter.ipynb)."));
        HtmlBook.Write([chapter, solutions], Path.Combine(scratch.Folder, "book"));
        var book = Path.Combine(scratch.Folder, "book");
        Assert.Contains("href=\"01-chapter-solutions.html#exercise-2\"", File.ReadAllText(Path.Combine(book, "01-chapter.html")));
        Assert.Contains("href=\"https://example.org/x.ipynb\"", File.ReadAllText(Path.Combine(book, "01-chapter.html")));   // not ours: kept
        Assert.Contains("href=\"01-chapter.html\"", File.ReadAllText(Path.Combine(book, "01-chapter-solutions.html")));
        var index = File.ReadAllText(Path.Combine(book, "index.html"));
        Assert.True(index.IndexOf("Worked solutions", StringComparison.Ordinal) is var at && at > index.IndexOf("01-chapter.html", StringComparison.Ordinal)
                    && at < index.IndexOf("01-chapter-solutions.html", StringComparison.Ordinal), index);
    }
}
