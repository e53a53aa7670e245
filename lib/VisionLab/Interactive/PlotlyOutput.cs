using System.Globalization;
using Plotly.NET;

namespace VisionLab.Interactive;

/// <summary>
/// How a Plotly.NET chart reaches a notebook front end, offline. Two representations travel with every chart:
/// <list type="bullet">
/// <item>the Plotly MIME bundle (<see cref="MimeType"/>: data, layout, config), which VS Code and JupyterLab draw
/// with their own renderer;</item>
/// <item>HTML that draws the same figure with plotly.js, for Jupyter Notebook and any page that runs scripts. No
/// front end defines a global <c>Plotly</c>, so the first chart after <see cref="NotebookSetup.Run"/> also carries
/// plotly.js itself (the copy embedded in Plotly.NET, the version its figures are written for), and later charts
/// use it: the library travels once per notebook, never from a network.</item>
/// </list>
/// </summary>
public static class PlotlyOutput
{
    /// <summary>The MIME type of a Plotly figure, rendered natively by VS Code and JupyterLab.</summary>
    public const string MimeType = "application/vnd.plotly.v1+json";

    /// <summary>CSS class of every chart's placeholder; a drawn chart has plotly.js's <c>main-svg</c> layers inside.</summary>
    public const string ChartClass = "visionlab-chart";

    /// <summary>Attribute on the script element that defines plotly.js, so a page can find it or leave it out.</summary>
    public const string LibraryMarker = "data-visionlab-plotly";

    static int _libraryEmitted;

    /// <summary>The plotly.js version whose copy is embedded (Plotly.NET's own).</summary>
    public static string PlotlyJsVersion => Globals.PLOTLYJS_VERSION;

    static readonly Lazy<string> Library = new(ReadEmbeddedPlotlyJs);

    /// <summary>The figure as Plotly's JSON: <c>{"data": [...], "layout": {...}, "config": {...}}</c>.</summary>
    public static string FigureJson(GenericChart chart) => GenericChart.toJson(chart);

    /// <summary>
    /// The chart as HTML: a placeholder and a script that draws it once plotly.js is there. The first chart after
    /// <see cref="ResetLibrary"/> (which <see cref="NotebookSetup.Run"/> calls) brings plotly.js with it.
    /// </summary>
    public static string Html(GenericChart chart)
    {
        var includeLibrary = Interlocked.Exchange(ref _libraryEmitted, 1) == 0;
        return (includeLibrary ? LibraryScript() : "") + ChartHtml(FigureJson(chart));
    }

    /// <summary>Placeholder and drawing script for a figure's JSON, without the library.</summary>
    public static string ChartHtml(string figureJson)
    {
        var id = "visionlab-chart-" + Guid.NewGuid().ToString("N");
        // "</" cannot appear inside a script element; "<\/" is the same string to JavaScript.
        var figure = figureJson.Replace("</", "<\\/", StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            <div id="{{id}}" class="{{ChartClass}}"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{figure}};
              var tries = 0;
              function draw() {
                var element = document.getElementById("{{id}}");
                if (element && window.Plotly) { window.Plotly.newPlot(element, figure.data, figure.layout, figure.config); return; }
                if (++tries < 200) { setTimeout(draw, 50); return; }
                if (element) element.textContent = "This chart needs plotly.js, which the notebook's first chart brings: run the notebook from its first cell (in Jupyter Notebook, also File > Trust Notebook).";
              }
              draw();
            })();
            </script>
            """);
    }

    /// <summary>
    /// A script element that defines <c>window.Plotly</c> unless the page already has it. The library is wrapped
    /// so that it sees no AMD <c>define</c> or CommonJS <c>module</c>: Jupyter Notebook loads require.js, and
    /// plotly.js would register itself there as an anonymous module instead of defining the global.
    /// </summary>
    public static string LibraryScript() =>
        $"<script type=\"text/javascript\" {LibraryMarker}=\"{PlotlyJsVersion}\">\n" +
        "if (!window.Plotly) { (function (define, module, exports) {\n" + Library.Value + "\n}).call(window); }\n</script>\n";

    /// <summary>plotly.js itself, for pages that load it from a file of their own (the HTML book).</summary>
    public static string PlotlyJs => Library.Value;

    /// <summary>The next chart brings plotly.js again: a new notebook (or a restarted kernel) has a fresh page.</summary>
    public static void ResetLibrary() => Interlocked.Exchange(ref _libraryEmitted, 0);

    static string ReadEmbeddedPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith($"plotly-{PlotlyJsVersion}.min.js", StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"Plotly.NET {assembly.GetName().Version} does not embed plotly-{PlotlyJsVersion}.min.js; charts cannot be drawn offline. " +
                "Check the Plotly.NET version pinned in Directory.Packages.props.");
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        return reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
    }
}
