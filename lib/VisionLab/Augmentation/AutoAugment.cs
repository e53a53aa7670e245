using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>One operation of a sub-policy: its name, the probability it runs, and its magnitude.</summary>
public sealed record AugmentOp(string Name, double Probability, double? Magnitude);

/// <summary>
/// AutoAugment (Cubuk et al., 2019): each image gets one randomly chosen sub-policy of two or so operations,
/// each applied with its probability. Two policies:
/// <list type="bullet">
/// <item><see cref="Cifar10"/>: the paper's CIFAR-10 policy, with torchvision's magnitude bins (0 to 9) and random signs.</item>
/// <item><see cref="Guide"/>: the guide's four sub-policies, which the guide never applies (its code raises or
/// returns the image unchanged); here they run, with magnitudes as the guide wrote them.</item>
/// </list>
/// </summary>
public sealed class AutoAugment : IImageTransform
{
    public static readonly IReadOnlyList<IReadOnlyList<AugmentOp>> Cifar10Policy =
    [
        [new("Invert", 0.1, null), new("Contrast", 0.2, 6)],
        [new("Rotate", 0.7, 2), new("TranslateX", 0.3, 9)],
        [new("Sharpness", 0.8, 1), new("Sharpness", 0.9, 3)],
        [new("ShearY", 0.5, 8), new("TranslateY", 0.7, 9)],
        [new("AutoContrast", 0.5, null), new("Equalize", 0.9, null)],
        [new("ShearY", 0.2, 7), new("Posterize", 0.3, 7)],
        [new("Color", 0.4, 3), new("Brightness", 0.6, 7)],
        [new("Sharpness", 0.3, 9), new("Brightness", 0.7, 9)],
        [new("Equalize", 0.6, null), new("Equalize", 0.5, null)],
        [new("Contrast", 0.6, 7), new("Sharpness", 0.6, 5)],
        [new("Color", 0.7, 7), new("TranslateX", 0.5, 8)],
        [new("Equalize", 0.3, null), new("AutoContrast", 0.4, null)],
        [new("TranslateY", 0.4, 3), new("Sharpness", 0.2, 6)],
        [new("Brightness", 0.9, 6), new("Color", 0.2, 8)],
        [new("Solarize", 0.5, 2), new("Invert", 0.0, null)],
        [new("Equalize", 0.2, null), new("AutoContrast", 0.6, null)],
        [new("Equalize", 0.2, null), new("Equalize", 0.6, null)],
        [new("Color", 0.9, 9), new("Equalize", 0.6, null)],
        [new("AutoContrast", 0.8, null), new("Solarize", 0.2, 8)],
        [new("Brightness", 0.1, 3), new("Color", 0.7, 0)],
        [new("Solarize", 0.4, 5), new("AutoContrast", 0.9, null)],
        [new("TranslateY", 0.9, 9), new("TranslateY", 0.7, 9)],
        [new("AutoContrast", 0.9, null), new("Solarize", 0.8, 3)],
        [new("Equalize", 0.8, null), new("Invert", 0.1, null)],
        [new("TranslateY", 0.7, 9), new("AutoContrast", 0.9, null)],
    ];

    /// <summary>
    /// The guide's sub-policies. Magnitudes are read as the guide wrote them: Rotate in degrees, TranslateX as
    /// a fraction of the width, Color/Brightness/Sharpness/Contrast as the change of the factor (1 ± m),
    /// Cutout as the side in pixels; signed operations get a random sign, as in AutoAugment.
    /// </summary>
    public static readonly IReadOnlyList<IReadOnlyList<AugmentOp>> GuidePolicy =
    [
        [new("Rotate", 0.4, 30), new("TranslateX", 0.3, 0.2)],
        [new("Color", 0.6, 0.5), new("Brightness", 0.3, 0.3)],
        [new("Sharpness", 0.5, 0.8), new("Contrast", 0.3, 0.5)],
        [new("Cutout", 0.7, 16), new("Equalize", 0.3, null)],
    ];

    readonly bool _binnedMagnitudes;

    AutoAugment(IReadOnlyList<IReadOnlyList<AugmentOp>> policy, bool binnedMagnitudes, string name)
    {
        Policy = policy;
        _binnedMagnitudes = binnedMagnitudes;
        Name = name;
    }

    public static AutoAugment Cifar10 { get; } = new(Cifar10Policy, binnedMagnitudes: true, "CIFAR-10");
    public static AutoAugment Guide { get; } = new(GuidePolicy, binnedMagnitudes: false, "guide");

    /// <summary>
    /// A policy of your own. With <paramref name="binnedMagnitudes"/>, magnitudes are torchvision's bins 0 to 9;
    /// otherwise they are used as given (degrees, fraction of the size, factor change, pixels).
    /// </summary>
    public static AutoAugment Custom(IReadOnlyList<IReadOnlyList<AugmentOp>> policy, bool binnedMagnitudes, string name)
    {
        if (policy.Count == 0 || policy.Any(p => p.Count == 0)) throw new ArgumentException("A policy needs at least one sub-policy, each with at least one operation.");
        return new AutoAugment(policy, binnedMagnitudes, name);
    }

    public IReadOnlyList<IReadOnlyList<AugmentOp>> Policy { get; }
    public string Name { get; }

    public Tensor Apply(Tensor image, Random random)
    {
        if (image.dtype != ScalarType.Byte) throw new ArgumentException("AutoAugment works on uint8 images: apply it before ToTensor, as the guide does.");
        var subPolicy = Policy[random.Next(Policy.Count)];
        using var scope = NewDisposeScope();
        var result = image.alias();
        foreach (var op in subPolicy)
        {
            // Draw probability and sign for every op, applied or not, so the random stream does not depend on the image.
            bool apply = random.NextDouble() < op.Probability;
            bool negative = random.Next(2) == 0;
            if (!apply) continue;
            result = ApplyOp(result, op, negative, random);
        }
        return result.MoveToOuterDisposeScope();
    }

    Tensor ApplyOp(Tensor image, AugmentOp op, bool negative, Random random)
    {
        int h = (int)image.shape[^2], w = (int)image.shape[^1];
        double m = Magnitude(op, h, w);
        double signed = negative ? -m : m;
        return op.Name switch
        {
            "ShearX" => ImageOps.Shear(image, signed, 0),
            "ShearY" => ImageOps.Shear(image, 0, signed),
            "TranslateX" => ImageOps.Translate(image, (int)signed, 0),
            "TranslateY" => ImageOps.Translate(image, 0, (int)signed),
            "Rotate" => ImageOps.Rotate(image, signed),
            "Brightness" => ImageOps.Brightness(image, 1 + signed),
            "Color" => ImageOps.Saturation(image, 1 + signed),
            "Contrast" => ImageOps.Contrast(image, 1 + signed),
            "Sharpness" => ImageOps.Sharpness(image, 1 + signed),
            "Posterize" => ImageOps.Posterize(image, (int)m),
            "Solarize" => ImageOps.Solarize(image, m),
            "AutoContrast" => ImageOps.AutoContrast(image),
            "Equalize" => ImageOps.Equalize(image),
            "Invert" => ImageOps.Invert(image),
            "Cutout" => ImageOps.Cutout(image, random.Next(h), random.Next(w), (int)m),
            _ => throw new ArgumentException($"Unknown AutoAugment operation '{op.Name}'."),
        };
    }

    /// <summary>torchvision's magnitude bins for the CIFAR-10 policy; the guide's values as they are.</summary>
    double Magnitude(AugmentOp op, int height, int width)
    {
        if (op.Magnitude is not { } value) return 0;
        if (!_binnedMagnitudes) return op.Name == "TranslateX" ? value * width : op.Name == "TranslateY" ? value * height : value;
        double bin = value / 9.0;
        return op.Name switch
        {
            "ShearX" or "ShearY" => 0.3 * bin,
            "TranslateX" => 150.0 / 331.0 * width * bin,
            "TranslateY" => 150.0 / 331.0 * height * bin,
            "Rotate" => 30.0 * bin,
            "Brightness" or "Color" or "Contrast" or "Sharpness" => 0.9 * bin,
            "Posterize" => 8 - Math.Round(value / (9.0 / 4.0), MidpointRounding.ToEven),
            "Solarize" => 255.0 * (1 - bin),
            _ => 0,
        };
    }

    public override string ToString() => $"AutoAugment({Name} policy, {Policy.Count} sub-policies)";
}
