using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;
using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;

namespace VisionLab.Visualization;

/// <summary>HTML galleries (PNG tiles with captions) of what augmentation does, for notebooks.</summary>
public static class AugmentationGallery
{
    /// <summary>
    /// One row per image: the original, then <paramref name="variants"/> augmented versions, each captioned
    /// with its class. Use a transform that ends before ToTensor/Normalize so colours are the real ones.
    /// </summary>
    public static HtmlString BeforeAfter(IImageDataset data, IImageTransform transform, int count = 6, int variants = 5, int seed = 0)
    {
        var html = new StringBuilder("<div>");
        for (int i = 0; i < Math.Min(count, data.Count); i++)
        {
            using var scope = NewDisposeScope();
            var image = data.Image(i);
            var caption = data.Classes[data.Label(i)];
            html.Append("<div style=\"white-space:nowrap\">").Append(TensorImage.ToHtml(image, $"{caption} (original)"));
            for (int v = 0; v < variants; v++)
                html.Append(TensorImage.ToHtml(transform.Apply(image, Core.Seeds.ForItem(seed, v, i)), $"{caption} #{v + 1}"));
            html.Append("</div>");
        }
        return Count(html.Append("</div>"));
    }

    /// <summary>A mixed batch (MixUp or CutMix) with captions "0.62 Coat + 0.38 Bag".</summary>
    public static HtmlString Mixed(MixedBatch mixed, IReadOnlyList<string> classes, int count = 8)
    {
        var html = new StringBuilder("<div style=\"white-space:nowrap\">");
        var a = mixed.TargetsA.data<long>().ToArray();
        var b = mixed.TargetsB.data<long>().ToArray();
        string lambda = mixed.Lambda.ToString("F2", CultureInfo.InvariantCulture), rest = (1 - mixed.Lambda).ToString("F2", CultureInfo.InvariantCulture);
        for (int i = 0; i < Math.Min(count, (int)mixed.Inputs.shape[0]); i++)
        {
            using var image = mixed.Inputs[i];
            html.Append(TensorImage.ToHtml(image, a[i] == b[i] ? classes[(int)a[i]] : $"{lambda} {classes[(int)a[i]]} + {rest} {classes[(int)b[i]]}"));
        }
        return Count(html.Append("</div>"));
    }

    static HtmlString Count(StringBuilder html)
    {
        RenderCounts.CountImage();
        return new HtmlString(html.ToString());
    }
}
