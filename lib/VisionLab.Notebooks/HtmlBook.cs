using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;

namespace VisionLab.Notebooks;

/// <summary>One chapter of the book: the executed notebook and the page written for it.</summary>
public sealed record BookChapter(string Title, string Notebook, string Page);

/// <summary>
/// Writes executed notebooks as a browsable, offline HTML book: <c>index.html</c>, one page per chapter with its
/// text, code, tables, images and charts, and shared assets (a style sheet; plotly.js, taken from the first chart
/// output that carries it, loaded once by every page instead of inline).
/// </summary>
public static partial class HtmlBook
{
    public const string AssetsFolder = "assets";
    const string PlotlyAsset = "plotly.min.js";
    const string StyleAsset = "book.css";
    const string ChartMarker = "class=\"visionlab-chart\"";   // VisionLab.Interactive.PlotlyOutput.ChartClass

    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// <summary>Writes the book into <paramref name="folder"/> and returns its chapters in order.</summary>
    public static IReadOnlyList<BookChapter> Write(IEnumerable<string> executedNotebooks, string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, AssetsFolder));
        var chapters = new List<BookChapter>();
        string? plotlyJs = null;
        foreach (var path in executedNotebooks)
        {
            var notebook = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: not a notebook.");
            var cells = notebook["cells"]?.AsArray() ?? throw new InvalidDataException($"{path}: no 'cells' array.");
            var page = Path.GetFileNameWithoutExtension(path) + ".html";
            var title = Title(cells) ?? Path.GetFileNameWithoutExtension(path);
            var body = new StringBuilder();
            for (int i = 0; i < cells.Count; i++)
                body.Append(Cell(cells[i]!, i, ref plotlyJs));
            chapters.Add(new BookChapter(title, Path.GetFileName(path), page));
            var html = body.ToString();
            WriteAtomically(Path.Combine(folder, page), Page(title, html, withCharts: html.Contains(ChartMarker, StringComparison.Ordinal)));
        }
        var index = new StringBuilder("<h1>VisionLab: the executed chapters</h1>\n<p>Every chapter as the last <code>tutorial</code> run left it, readable offline.</p>\n");
        void List(string? heading, IEnumerable<BookChapter> entries)
        {
            if (!entries.Any()) return;
            if (heading is not null) index.Append($"<h2>{heading}</h2>\n");
            index.Append("<ol class=\"chapters\">\n");
            foreach (var c in entries)
                index.Append($"<li><a href=\"{WebUtility.HtmlEncode(c.Page)}\">{WebUtility.HtmlEncode(c.Title)}</a> <small>({WebUtility.HtmlEncode(c.Notebook)})</small></li>\n");
            index.Append("</ol>\n");
        }
        List(null, chapters.Where(c => !IsSolutions(c.Notebook)));
        List("Worked solutions to the exercises", chapters.Where(c => IsSolutions(c.Notebook)));
        WriteAtomically(Path.Combine(folder, "index.html"), Page("VisionLab: the executed chapters", index.ToString(), withCharts: false));
        WriteAtomically(Path.Combine(folder, AssetsFolder, StyleAsset), Style);
        if (plotlyJs is not null) WriteAtomically(Path.Combine(folder, AssetsFolder, PlotlyAsset), plotlyJs);
        return chapters;
    }

    /// <summary>A solutions notebook: <c>NN-name-solutions.ipynb</c> in <c>notebooks/solutions/</c>.</summary>
    public static bool IsSolutions(string notebook) => Path.GetFileNameWithoutExtension(notebook).EndsWith("-solutions", StringComparison.Ordinal);

    /// <summary>
    /// A link between notebooks (a chapter's to its solutions, a solution's back to its chapter) points at that
    /// notebook's page: every page of the book sits in one folder.
    /// </summary>
    static string LinkNotebooksToPages(string html) => NotebookLink().Replace(html, m => $"href=\"{m.Groups["name"].Value}.html{m.Groups["anchor"].Value}\"");

    [GeneratedRegex("href=\"(?![a-z]+:)(?:[^\"#/]*/)*(?<name>[^\"#/]+)\\.ipynb(?<anchor>#[^\"]*)?\"")]
    private static partial Regex NotebookLink();

    static string? Title(JsonArray cells)
    {
        var first = cells.FirstOrDefault(c => (string?)c!["cell_type"] == "markdown");
        if (first is null) return null;
        var heading = NotebookFile.Source(first["source"]).Split('\n').FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
        return heading?[2..].Trim();
    }

    static string Cell(JsonNode cell, int index, ref string? plotlyJs)
    {
        var source = NotebookFile.Source(cell["source"]);
        switch ((string?)cell["cell_type"])
        {
            case "markdown":
                return $"<section class=\"cell markdown\" id=\"cell-{index}\">\n{LinkNotebooksToPages(Markdig.Markdown.ToHtml(source, Markdown))}</section>\n";
            case "code":
                var html = new StringBuilder($"<section class=\"cell code\" id=\"cell-{index}\">\n<pre class=\"source\"><code>{WebUtility.HtmlEncode(source)}</code></pre>\n");
                foreach (var output in MergeStreams(cell["outputs"]?.AsArray() ?? []))
                    html.Append("<div class=\"output\">").Append(Output(output, ref plotlyJs)).Append("</div>\n");
                return html.Append("</section>\n").ToString();
            default:
                return "";
        }
    }

    /// <summary>Consecutive writes to one stream read as one block, as Jupyter shows them.</summary>
    static List<JsonNode> MergeStreams(JsonArray outputs)
    {
        var merged = new List<JsonNode>();
        foreach (var output in outputs)
        {
            if (output is null) continue;
            if (merged.Count > 0 && (string?)output["output_type"] == "stream" && (string?)merged[^1]["output_type"] == "stream"
                && (string?)merged[^1]["name"] == (string?)output["name"])
                merged[^1] = new JsonObject
                {
                    ["output_type"] = "stream", ["name"] = (string?)output["name"],
                    ["text"] = NotebookFile.Source(merged[^1]["text"]) + NotebookFile.Source(output["text"]),
                };
            else merged.Add(output);
        }
        return merged;
    }

    static string Output(JsonNode output, ref string? plotlyJs)
    {
        switch ((string?)output["output_type"])
        {
            case "stream":
                return $"<pre class=\"stream {(string?)output["name"]}\">{WebUtility.HtmlEncode(NotebookFile.Source(output["text"]))}</pre>";
            case "error":
                return $"<pre class=\"error\">{WebUtility.HtmlEncode($"{(string?)output["ename"]}: {(string?)output["evalue"]}")}</pre>";
        }
        var data = output["data"]?.AsObject();
        if (data is null) return "";
        if (data["text/html"] is { } html)
        {
            // The first chart of a notebook carries plotly.js inline; the book loads it once from its assets.
            var text = NotebookFile.Source(html);
            var library = InlinePlotly().Match(text);
            if (library.Success)
            {
                plotlyJs ??= library.Groups["body"].Value;
                text = text.Remove(library.Index, library.Length);
            }
            return text;
        }
        if (data["image/png"] is { } png)
            return $"<img src=\"data:image/png;base64,{NotebookFile.Source(png).Trim()}\" alt=\"output image\">";
        if (data["text/plain"] is { } plain)
            return $"<pre>{WebUtility.HtmlEncode(NotebookFile.Source(plain))}</pre>";
        return "";
    }

    // Written by VisionLab.Interactive.PlotlyOutput.LibraryScript (attribute data-visionlab-plotly).
    [GeneratedRegex("<script[^>]*data-visionlab-plotly=\"[^\"]*\"[^>]*>(?<body>.*?)</script>\\s*", RegexOptions.Singleline)]
    private static partial Regex InlinePlotly();

    static string Page(string title, string body, bool withCharts) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{WebUtility.HtmlEncode(title)}</title>
        <link rel="stylesheet" href="{AssetsFolder}/{StyleAsset}">
        {(withCharts ? $"<script src=\"{AssetsFolder}/{PlotlyAsset}\"></script>" : "")}
        </head>
        <body>
        <nav><a href="index.html">All chapters</a></nav>
        <main>
        {body}
        </main>
        </body>
        </html>

        """;

    static void WriteAtomically(string path, string content)
    {
        // The library's temporary-file pattern (VisionLab.Core.AtomicFile), which the run folder's clean-up recognises.
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.0.visionlab-tmp");
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    const string Style = """
        body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; color: #222; line-height: 1.5; }
        nav { margin-bottom: 1rem; }
        pre { background: #f6f8fa; padding: 0.5rem; overflow-x: auto; font-size: 0.85rem; }
        pre.source { border-left: 3px solid #4a7bd0; }
        pre.error { background: #fde8e8; }
        pre.stderr { background: #fff5e6; }
        .output { margin: 0.25rem 0 1rem 0; overflow-x: auto; }
        .output img { max-width: 100%; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; }
        """;
}
