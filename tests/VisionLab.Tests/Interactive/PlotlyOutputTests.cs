using VisionLab.Interactive;
using VisionLab.Visualization;

namespace VisionLab.Tests.Interactive;

public sealed class PlotlyOutputTests
{
    [Fact]
    public void The_library_is_Plotly_NETs_own_copy_and_hides_AMD_and_CommonJS_from_it()
    {
        var script = PlotlyOutput.LibraryScript();
        Assert.Contains($"plotly.js v{PlotlyOutput.PlotlyJsVersion}", script);
        // Jupyter Notebook loads require.js: plotly.js must not see its define(), or no global Plotly appears.
        Assert.Contains("if (!window.Plotly) { (function (define, module, exports) {", script);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(script, "</script", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    [Fact]
    public void A_chart_draws_its_figure_and_escapes_what_would_end_its_script()
    {
        var xs = new double[] { 1, 2 };
        var chart = Charts.Lines("a </script> title", "x", "y", new Series("s", xs, xs));
        var html = PlotlyOutput.ChartHtml(PlotlyOutput.FigureJson(chart));
        Assert.Contains($"class=\"{PlotlyOutput.ChartClass}\"", html);
        Assert.Contains("window.Plotly.newPlot", html);
        Assert.Contains("<\\/script>", html);
        Assert.Equal(1, html.Split("</script>").Length - 1);
    }

    [Theory]
    [InlineData("""{"data":[{"type":"scatter","x":[1],"y":[2]}],"layout":{}}""", true)]
    [InlineData("""{"data":[{"type":"heatmap","z":[[1,2]]}]}""", true)]
    [InlineData("""{"data":[{"type":"scatter","x":[],"y":[]}]}""", false)]
    [InlineData("""{"data":[]}""", false)]
    [InlineData("""{"layout":{}}""", false)]
    [InlineData("not json", false)]
    public void Only_figures_with_values_count_as_drawable(string figure, bool drawable) =>
        Assert.Equal(drawable, DisplayFormatters.IsDrawable(figure));
}
