using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using VisionLab.Visualization;
using static TorchSharp.torch;

namespace VisionLab.Interactive;

/// <summary>
/// Notebook formatters: image-like tensors show as pictures, other tensors as shape and values,
/// Plotly charts as the Plotly MIME bundle plus HTML that brings its own plotly.js (<see cref="PlotlyOutput"/>).
/// Counts what it rendered in <see cref="RenderCounts"/> so notebooks can check it.
/// </summary>
public static class DisplayFormatters
{
    static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorHtml(tensor)), HtmlFormatter.MimeType);
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorText(tensor)), PlainTextFormatter.MimeType);
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml(chart)), HtmlFormatter.MimeType);
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(PlotlyOutput.FigureJson(chart)), PlotlyOutput.MimeType);
        // Both travel with every chart: VS Code and JupyterLab draw the MIME bundle, Jupyter Notebook the HTML.
        Formatter.SetPreferredMimeTypesFor(typeof(GenericChart), HtmlFormatter.MimeType, PlotlyOutput.MimeType);
        Formatter.Register<NotebookChecks>((checks, writer) => writer.Write(checks.ToHtml()), HtmlFormatter.MimeType);
    }

    public static string TensorHtml(Tensor tensor)
    {
        if (tensor.IsInvalid) return "<pre>disposed tensor</pre>";
        var header = System.Net.WebUtility.HtmlEncode(Describe(tensor));
        if (!TensorImage.IsImageLike(tensor) || Math.Min(tensor.shape[^1], tensor.shape[^2]) < 8)
            return $"<pre>{header}\n{System.Net.WebUtility.HtmlEncode(tensor.ToString(TorchSharp.TensorStringStyle.Numpy))}</pre>";
        var html = $"<div><div><code>{header}</code></div>{TensorImage.ToHtml(tensor)}</div>";
        RenderCounts.CountImage();
        return html;
    }

    public static string TensorText(Tensor tensor) =>
        tensor.IsInvalid ? "disposed tensor" : Describe(tensor) + Environment.NewLine + tensor.ToString(TorchSharp.TensorStringStyle.Numpy);

    public static string ChartHtml(GenericChart chart)
    {
        var html = PlotlyOutput.Html(chart);
        // Drawable, and plotly.js reaches the page with it or with an earlier chart.
        if (IsDrawable(PlotlyOutput.FigureJson(chart))) RenderCounts.CountChart();
        return html;
    }

    /// <summary>True when the figure JSON parses and one of its traces has values to draw.</summary>
    public static bool IsDrawable(string figureJson)
    {
        try
        {
            using var figure = System.Text.Json.JsonDocument.Parse(figureJson);
            return figure.RootElement.TryGetProperty("data", out var traces) && traces.EnumerateArray().Any(HasValues);
        }
        catch (System.Text.Json.JsonException) { return false; }

        static bool HasValues(System.Text.Json.JsonElement trace) =>
            new[] { "x", "y", "z", "values" }.Any(key => trace.TryGetProperty(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Array && v.GetArrayLength() > 0);
    }

    static string Describe(Tensor t) => $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} on {t.device}";
}
