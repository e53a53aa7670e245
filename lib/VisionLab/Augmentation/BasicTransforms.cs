using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>Pads with <paramref name="padding"/> zero pixels, then crops a random <paramref name="size"/> square (torchvision's RandomCrop).</summary>
public sealed record RandomCrop(int Size, int Padding = 0) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random)
    {
        var padded = Padding > 0 ? ImageOps.Pad(image, Padding) : image;
        int h = (int)padded.shape[^2], w = (int)padded.shape[^1];
        if (h < Size || w < Size) throw new ArgumentException($"RandomCrop({Size}) needs an image of at least {Size}x{Size}; got {h}x{w} after padding.");
        return ImageOps.Crop(padded, random.Next(h - Size + 1), random.Next(w - Size + 1), Size, Size);
    }
}

/// <summary>Mirrors left-right with probability <paramref name="P"/>.</summary>
public sealed record RandomHorizontalFlip(double P = 0.5) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => random.NextDouble() < P ? ImageOps.HorizontalFlip(image) : image.alias();
}

/// <summary>Rotates by an angle drawn uniformly from [-Degrees, Degrees]; nearest neighbour, zero fill.</summary>
public sealed record RandomRotation(double Degrees) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => ImageOps.Rotate(image, (random.NextDouble() * 2 - 1) * Degrees);
}

/// <summary>
/// Random brightness, contrast and saturation factors, each uniform in [1 - x, 1 + x], and a hue shift uniform in
/// [-Hue, Hue], applied in a random order (torchvision's ColorJitter).
/// </summary>
public sealed record ColorJitter(double Brightness = 0, double Contrast = 0, double Saturation = 0, double Hue = 0) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random)
    {
        if (Hue is < 0 or > 0.5) throw new ArgumentOutOfRangeException(nameof(Hue), $"Hue jitter is in [0, 0.5]; got {Hue}.");
        // Without hue the permutation stays over three ops, so the guide's pipeline draws what it always drew.
        var order = Hue > 0 ? new[] { 0, 1, 2, 3 } : new[] { 0, 1, 2 };
        random.Shuffle(order);
        using var scope = NewDisposeScope();
        var result = image.alias();
        foreach (var op in order)
        {
            if (op == 3)
            {
                result = ImageOps.Hue(result, (random.NextDouble() * 2 - 1) * Hue);
                continue;
            }
            double amount = op switch { 0 => Brightness, 1 => Contrast, _ => Saturation };
            if (amount <= 0) continue;
            double factor = Math.Max(0, 1 - amount) + random.NextDouble() * (1 + amount - Math.Max(0, 1 - amount));
            result = op switch { 0 => ImageOps.Brightness(result, factor), 1 => ImageOps.Contrast(result, factor), _ => ImageOps.Saturation(result, factor) };
        }
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>Applies <paramref name="Transform"/> with probability <paramref name="P"/> (torchvision's RandomApply).</summary>
public sealed record RandomApply(IImageTransform Transform, double P) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => random.NextDouble() < P ? Transform.Apply(image, random) : image.alias();
}

/// <summary>Converts to grayscale, keeping the channel count, with probability <paramref name="P"/> (torchvision's RandomGrayscale).</summary>
public sealed record RandomGrayscale(double P = 0.1) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => random.NextDouble() < P ? ImageOps.GrayscaleKeepChannels(image) : image.alias();
}

/// <summary>Gaussian blur with sigma uniform in [SigmaMin, SigmaMax] (torchvision's GaussianBlur).</summary>
public sealed record GaussianBlur(int KernelSize, double SigmaMin = 0.1, double SigmaMax = 2.0) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) =>
        ImageOps.GaussianBlur(image, KernelSize, SigmaMin + random.NextDouble() * (SigmaMax - SigmaMin));
}

/// <summary>Cutout (DeVries and Taylor, 2017): zeroes a square of side <paramref name="Size"/> at a random centre, clipped at the borders.</summary>
public sealed record Cutout(int Size, double P = 1.0) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random)
    {
        if (random.NextDouble() >= P) return image.alias();
        return ImageOps.Cutout(image, random.Next((int)image.shape[^2]), random.Next((int)image.shape[^1]), Size);
    }
}

/// <summary>uint8 [0, 255] to float [0, 1] (torchvision's ToTensor on an image already in [C, H, W]).</summary>
public sealed record ToTensor : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => ImageOps.ToFloat(image);
}

/// <summary>(x - mean) / std per channel.</summary>
public sealed record Normalize(double[] Mean, double[] Std) : IImageTransform
{
    public static Normalize ImageNet { get; } = new([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

    public Tensor Apply(Tensor image, Random random)
    {
        if (image.shape[^3] != Mean.Length)
            throw new ArgumentException($"Normalize has {Mean.Length} channel means but the image has {image.shape[^3]} channels" +
                                        (image.shape[^3] == 1 ? ": add ToRgb() before it for grayscale data." : "."));
        return ImageOps.Normalize(image, Mean, Std);
    }

    public override string ToString() => $"Normalize(mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}])";
}

/// <summary>Zero padding on every side: 28x28 Fashion-MNIST becomes 32x32 with Pad(2).</summary>
public sealed record Pad(int Padding) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => ImageOps.Pad(image, Padding);
}

/// <summary>Grayscale to RGB by repeating the channel, so 1-channel data fits the guide's 3-channel models.</summary>
public sealed record ToRgb : IImageTransform
{
    public Tensor Apply(Tensor image, Random random) => image.shape[^3] switch
    {
        3 => image.alias(),
        1 => image.expand(3, -1, -1).contiguous(),
        var c => throw new ArgumentException($"ToRgb expects 1 or 3 channels, got {c}."),
    };
}
