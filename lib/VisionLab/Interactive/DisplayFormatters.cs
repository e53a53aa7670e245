using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using VisionLab.Visualization;
using static TorchSharp.torch;

namespace VisionLab.Interactive;

/// <summary>
/// Notebook formatters: image-like tensors show as pictures, other tensors as shape and values,
/// Plotly charts as interactive HTML. Counts what it rendered so notebooks can check it.
/// </summary>
public static class DisplayFormatters
{
    static int _imagesRendered, _chartsRendered, _registered;

    public static int ImagesRendered => _imagesRendered;
    public static int ChartsRendered => _chartsRendered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorHtml(tensor)), HtmlFormatter.MimeType);
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorText(tensor)), PlainTextFormatter.MimeType);
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml(chart)), HtmlFormatter.MimeType);
        Formatter.Register<NotebookChecks>((checks, writer) => writer.Write(checks.ToHtml()), HtmlFormatter.MimeType);
    }

    /// <summary>Counts an image rendered by another visualizer (galleries, overlays).</summary>
    public static void CountImage() => Interlocked.Increment(ref _imagesRendered);

    public static string TensorHtml(Tensor tensor)
    {
        if (tensor.IsInvalid) return "<pre>disposed tensor</pre>";
        var header = System.Net.WebUtility.HtmlEncode(Describe(tensor));
        if (!TensorImage.IsImageLike(tensor) || Math.Min(tensor.shape[^1], tensor.shape[^2]) < 8)
            return $"<pre>{header}\n{System.Net.WebUtility.HtmlEncode(tensor.ToString(TorchSharp.TensorStringStyle.Numpy))}</pre>";
        var html = $"<div><div><code>{header}</code></div>{TensorImage.ToHtml(tensor)}</div>";
        Interlocked.Increment(ref _imagesRendered);
        return html;
    }

    public static string TensorText(Tensor tensor) =>
        tensor.IsInvalid ? "disposed tensor" : Describe(tensor) + Environment.NewLine + tensor.ToString(TorchSharp.TensorStringStyle.Numpy);

    public static string ChartHtml(GenericChart chart)
    {
        var html = GenericChart.toChartHTML(chart);
        Interlocked.Increment(ref _chartsRendered);
        return html;
    }

    static string Describe(Tensor t) => $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} on {t.device}";
}
