using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>
/// A random box covering <paramref name="ScaleMin"/>..<paramref name="ScaleMax"/> of the image area with an aspect
/// ratio log-uniform in [3/4, 4/3], resized to <paramref name="Size"/> x <paramref name="Size"/> (bilinear).
/// torchvision's RandomResizedCrop, sampling included: ten tries, then a centre crop clamped to the ratio range.
/// </summary>
public sealed record RandomResizedCrop(int Size, double ScaleMin = 0.08, double ScaleMax = 1.0, double RatioMin = 3.0 / 4, double RatioMax = 4.0 / 3) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random)
    {
        var (top, left, height, width) = Box((int)image.shape[^2], (int)image.shape[^1], random);
        return ImageOps.ResizedCrop(image, top, left, height, width, Size);
    }

    /// <summary>The crop box for an image of the given size (torchvision's get_params).</summary>
    public (int Top, int Left, int Height, int Width) Box(int imageHeight, int imageWidth, Random random)
    {
        if (Size < 1) throw new ArgumentOutOfRangeException(nameof(Size), $"The output size must be positive; got {Size}.");
        if (ScaleMin <= 0 || ScaleMin > ScaleMax || ScaleMax > 1)
            throw new ArgumentOutOfRangeException(nameof(ScaleMin), $"The scale range must satisfy 0 < min <= max <= 1; got [{ScaleMin}, {ScaleMax}].");
        double area = (double)imageHeight * imageWidth;
        double logMin = Math.Log(RatioMin), logMax = Math.Log(RatioMax);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * (ScaleMin + random.NextDouble() * (ScaleMax - ScaleMin));
            double ratio = Math.Exp(logMin + random.NextDouble() * (logMax - logMin));
            int w = (int)Math.Round(Math.Sqrt(targetArea * ratio));
            int h = (int)Math.Round(Math.Sqrt(targetArea / ratio));
            if (w > 0 && h > 0 && w <= imageWidth && h <= imageHeight)
                return (random.Next(imageHeight - h + 1), random.Next(imageWidth - w + 1), h, w);
        }
        // Fallback: the whole image, cut to the nearest allowed aspect ratio, centred.
        double inRatio = (double)imageWidth / imageHeight;
        int cropW = imageWidth, cropH = imageHeight;
        if (inRatio < RatioMin) cropH = (int)Math.Round(cropW / RatioMin);
        else if (inRatio > RatioMax) cropW = (int)Math.Round(cropH * RatioMax);
        return ((imageHeight - cropH) / 2, (imageWidth - cropW) / 2, cropH, cropW);
    }
}
