using Plotly.NET;
using Microsoft.FSharp.Core;
using Plotly.NET.CSharp;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace VisionLab.Visualization;

/// <summary>A named series of (x, y) points for <see cref="Charts.Lines"/>.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>The charts the notebooks draw, built on Plotly.NET's C# API.</summary>
public static class Charts
{
    /// <summary>One line per series on shared axes.</summary>
    public static GenericChart Lines(string title, string xTitle, string yTitle, params Series[] series)
    {
        if (series.Length == 0) throw new ArgumentException("Give at least one series to plot.", nameof(series));
        var lines = series.Select(s => PlotlyChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name));
        var chart = PlotlyChart.Combine(lines)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return WithTitle(chart, title);
    }

    /// <summary>One bar per label.</summary>
    public static GenericChart Bars(string title, string xTitle, string yTitle, IReadOnlyList<string> labels, IReadOnlyList<double> values)
    {
        if (labels.Count != values.Count) throw new ArgumentException($"{labels.Count} labels but {values.Count} values.");
        var chart = PlotlyChart.Column<double, string, string>(values: values, Keys: labels.ToArray())
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle);
        return WithTitle(chart, title);
    }

    /// <summary>Sets the chart's title (Plotly.NET's C# API has no such call; its F# one is curried).</summary>
    public static GenericChart WithTitle(GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(title, FSharpOption<Font>.None).Invoke(chart);
}
