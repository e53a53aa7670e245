using System.Text;
using Microsoft.AspNetCore.Html;
using static TorchSharp.torch;

namespace VisionLab.Visualization;

/// <summary>Heatmaps for explanations (attention, Grad-CAM): upsampled, coloured (jet), blended over the image.</summary>
public static class Heatmap
{
    /// <summary>A map [h, w] bilinearly upsampled to [height, width] and scaled to [0, 1] (a flat map stays 0).</summary>
    public static Tensor Upsample(Tensor map, long height, long width)
    {
        if (map.dim() != 2) throw new ArgumentException($"A heatmap is [h, w]; got [{string.Join(", ", map.shape)}].");
        using var scope = NewDisposeScope();
        var up = nn.functional.interpolate(map.detach().cpu().to(ScalarType.Float32).unsqueeze(0).unsqueeze(0), [height, width],
            mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0).squeeze(0);
        var (min, max) = (up.min(), up.max());
        var range = (max - min).item<float>();
        var scaled = range > 0 ? (up - min) / range : zeros_like(up);
        return scaled.MoveToOuterDisposeScope();
    }

    /// <summary>The jet colour map of values in [0, 1]: [h, w] to [3, h, w].</summary>
    public static Tensor Colorize(Tensor unit)
    {
        using var scope = NewDisposeScope();
        var t = unit.clamp(0, 1) * 4;
        var r = (1.5 - (t - 3).abs()).clamp(0, 1);
        var g = (1.5 - (t - 2).abs()).clamp(0, 1);
        var b = (1.5 - (t - 1).abs()).clamp(0, 1);
        return stack([r, g, b]).MoveToOuterDisposeScope();
    }

    /// <summary>The map over the image: a uint8 [C, H, W] image and a map [h, w] give a float [3, H, W] image in [0, 1].</summary>
    public static Tensor Overlay(Tensor image, Tensor map, double alpha = 0.5)
    {
        if (image.dim() != 3 || image.shape[0] is not (1 or 3))
            throw new ArgumentException($"The image must be [1|3, H, W]; got [{string.Join(", ", image.shape)}].");
        using var scope = NewDisposeScope();
        var rgb = image.cpu().to(ScalarType.Float32);
        if (image.dtype == ScalarType.Byte) rgb = rgb / 255;
        if (rgb.shape[0] == 1) rgb = rgb.expand(3, -1, -1);
        var colours = Colorize(Upsample(map, image.shape[1], image.shape[2]));
        return ((1 - alpha) * rgb + alpha * colours).clamp(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>One row of captioned tiles (e.g. image, map, overlay), as HTML for a notebook.</summary>
    public static HtmlString Row(params (string Caption, Tensor Image)[] tiles) => Rows([tiles]);

    /// <summary>Rows of captioned tiles, as HTML for a notebook.</summary>
    public static HtmlString Rows(IEnumerable<IReadOnlyList<(string Caption, Tensor Image)>> rows)
    {
        var html = new StringBuilder("<div>");
        foreach (var row in rows)
        {
            html.Append("<div style=\"white-space:nowrap\">");
            foreach (var (caption, tile) in row)
            {
                using var scope = NewDisposeScope();
                html.Append(TensorImage.ToHtml(tile.dim() == 2 ? Colorize(Upsample(tile, tile.shape[0], tile.shape[1])) : tile, caption));
            }
            html.Append("</div>");
        }
        RenderCounts.CountImage();
        return new HtmlString(html.Append("</div>").ToString());
    }
}
