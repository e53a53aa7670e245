using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Visualization;

/// <summary>Renders image tensors ([H,W], [C,H,W] or a [N,C,H,W] batch as a grid) to PNG.</summary>
public static class TensorImage
{
    /// <summary>True for shapes this class can draw: [H,W], [1|3,H,W] or [N,1|3,H,W].</summary>
    public static bool IsImageLike(Tensor tensor) => tensor.dim() switch
    {
        2 => tensor.shape[0] > 0 && tensor.shape[1] > 0,
        3 => tensor.shape[0] is 1 or 3 && tensor.shape[1] > 1 && tensor.shape[2] > 1,
        4 => tensor.shape[0] > 0 && tensor.shape[1] is 1 or 3 && tensor.shape[2] > 1 && tensor.shape[3] > 1,
        _ => false,
    };

    /// <summary>
    /// PNG bytes of the tensor. Floats in [0,1] are drawn as they are, other ranges are stretched
    /// per image to [0,1]; uint8 is drawn as is. Small images are enlarged (nearest neighbour) to
    /// at least <paramref name="minSize"/> pixels so a 28x28 digit is visible.
    /// </summary>
    public static byte[] ToPng(Tensor tensor, int minSize = 96, int columns = 8)
    {
        using var image = ToImage(tensor, minSize, columns);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public static Image<Rgb24> ToImage(Tensor tensor, int minSize = 96, int columns = 8)
    {
        if (!IsImageLike(tensor))
            throw new ArgumentException($"Cannot draw a tensor of shape [{string.Join(", ", tensor.shape)}] as an image: expected [H,W], [C,H,W] or [N,C,H,W] with C = 1 or 3.");
        using var scope = NewDisposeScope();
        var batch = tensor.dim() switch { 2 => tensor.unsqueeze(0).unsqueeze(0), 3 => tensor.unsqueeze(0), _ => tensor };
        batch = batch.detach().cpu().to(ScalarType.Float32);
        if (tensor.dtype == ScalarType.Byte) batch = batch / 255f;
        else batch = StretchOutOfRange(batch);
        if (batch.shape[1] == 1) batch = batch.expand(-1, 3, -1, -1);
        batch = (batch.clamp(0, 1) * 255f).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();

        int n = (int)batch.shape[0], h = (int)batch.shape[1], w = (int)batch.shape[2];
        int cols = Math.Min(columns, n), rows = (n + cols - 1) / cols, pad = n > 1 ? 2 : 0;
        var pixels = batch.data<byte>().ToArray();
        var grid = new Image<Rgb24>(cols * (w + pad) + pad, rows * (h + pad) + pad, new Rgb24(255, 255, 255));
        for (int i = 0; i < n; i++)
        {
            int x0 = pad + (i % cols) * (w + pad), y0 = pad + (i / cols) * (h + pad), offset = i * h * w * 3;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int p = offset + (y * w + x) * 3;
                    grid[x0 + x, y0 + y] = new Rgb24(pixels[p], pixels[p + 1], pixels[p + 2]);
                }
        }
        int scale = Math.Max(1, (int)Math.Ceiling(minSize / (double)Math.Max(h, w)));
        if (scale > 1) grid.Mutate(c => c.Resize(grid.Width * scale, grid.Height * scale, KnownResamplers.NearestNeighbor));
        return grid;
    }

    static Tensor StretchOutOfRange(Tensor batch)
    {
        float min = batch.min().item<float>(), max = batch.max().item<float>();
        if (min >= 0 && max <= 1) return batch;
        var flat = batch.flatten(1);
        var lo = flat.min(1).values.view(-1, 1, 1, 1);
        var hi = flat.max(1).values.view(-1, 1, 1, 1);
        return (batch - lo) / (hi - lo).clamp_min(1e-12);
    }

    /// <summary>An HTML &lt;img&gt; element with the PNG inlined, for notebook output.</summary>
    public static string ToHtml(Tensor tensor, string? caption = null)
    {
        var img = $"<img src=\"data:image/png;base64,{Convert.ToBase64String(ToPng(tensor))}\" style=\"image-rendering: pixelated\"/>";
        return caption is null ? img : $"<figure style=\"display:inline-block;margin:4px\">{img}<figcaption>{System.Net.WebUtility.HtmlEncode(caption)}</figcaption></figure>";
    }
}
