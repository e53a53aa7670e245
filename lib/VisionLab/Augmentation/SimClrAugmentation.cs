using VisionLab.Data;

namespace VisionLab.Augmentation;

/// <summary>
/// SimCLR's view augmentation (Chen et al. 2020, appendix A): random resized crop, horizontal flip, colour jitter
/// (0.8s, 0.8s, 0.8s, 0.2s) with probability 0.8, grayscale with probability 0.2, and Gaussian blur with a kernel
/// of 10 % of the image side. The paper leaves blur out for 32x32 CIFAR images; so does this, below 64 pixels.
/// </summary>
public static class SimClrAugmentation
{
    /// <summary>Smallest image side that gets the blur (a 10 % kernel on 32 pixels is 3 pixels: it just erases the image).</summary>
    public const int BlurMinimumSize = 64;

    /// <summary>One view, ending in ToTensor and Normalize like <see cref="GuidePipeline.Evaluate"/>.</summary>
    /// <param name="format">The dataset's images (its <c>Format</c>): 28x28 grayscale is padded to 32 and repeated to three channels first.</param>
    /// <param name="size">Output side; 32 for the guide's models.</param>
    /// <param name="strength">The paper's colour strength s (0.5 for CIFAR-10, 1.0 for ImageNet).</param>
    /// <param name="minimumScale">Smallest crop area; the paper's 0.08 is for ImageNet, small images keep more (0.2).</param>
    public static Compose View(InputFormat format, int size = 32, double strength = 0.5, double minimumScale = 0.2) =>
        new([.. Augment(format, size, strength, minimumScale), new ToTensor(), Normalize.ImageNet]);

    /// <summary>The same view without ToTensor and Normalize: for looking at the images.</summary>
    public static Compose Display(InputFormat format, int size = 32, double strength = 0.5, double minimumScale = 0.2) =>
        new([.. Augment(format, size, strength, minimumScale)]);

    static IEnumerable<IImageTransform> Augment(InputFormat format, int size, double strength, double minimumScale)
    {
        foreach (var adapt in format.ToModelInput()) yield return adapt;
        yield return new RandomResizedCrop(size, ScaleMin: minimumScale);
        yield return new RandomHorizontalFlip();
        yield return new RandomApply(new ColorJitter(0.8 * strength, 0.8 * strength, 0.8 * strength, 0.2 * strength), 0.8);
        yield return new RandomGrayscale(0.2);
        if (size >= BlurMinimumSize) yield return new RandomApply(new GaussianBlur(size / 10 | 1), 0.5);
    }

    /// <summary>The positive pair: two draws of <see cref="View"/>, batched as [N, 2, 3, size, size].</summary>
    public static TwoViews Pairs(InputFormat format, int size = 32, double strength = 0.5, double minimumScale = 0.2) =>
        new(View(format, size, strength, minimumScale));
}
