using VisionLab.Data;

namespace VisionLab.Augmentation;

/// <summary>
/// The guide's training augmentation, in one place, for any dataset's <see cref="InputFormat"/> (pass the dataset's
/// <c>Format</c>): 32x32 colour data as is, 28x28 grayscale data padded to 32 and repeated to three channels first.
/// </summary>
public static class GuidePipeline
{
    /// <summary>
    /// The guide's train_transform: RandomCrop(32, padding=4), RandomHorizontalFlip, ColorJitter(0.2, 0.2, 0.2),
    /// RandomRotation(15), AutoAugment (the guide's policy, now applied), ToTensor, Normalize (ImageNet statistics).
    /// </summary>
    public static Compose Train(InputFormat format, AutoAugment? autoAugment = null) =>
        new([.. Adapt(format), .. Augment(autoAugment), new ToTensor(), Normalize.ImageNet]);

    /// <summary>
    /// A light recipe for small models trained briefly (transformers from scratch, synthetic shapes): RandomCrop(32,
    /// padding=4) and RandomHorizontalFlip only.
    /// </summary>
    public static Compose Light(InputFormat format) =>
        new([.. Adapt(format), new RandomCrop(32, Padding: 4), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet]);

    /// <summary>The same augmentation without ToTensor and Normalize: for looking at the images.</summary>
    public static Compose Display(InputFormat format, AutoAugment? autoAugment = null) =>
        new([.. Adapt(format), .. Augment(autoAugment)]);

    /// <summary>What evaluation uses: only the adaptation, ToTensor and Normalize.</summary>
    public static Compose Evaluate(InputFormat format) => new([.. Adapt(format), new ToTensor(), Normalize.ImageNet]);

    static IReadOnlyList<IImageTransform> Adapt(InputFormat format) =>
        format.Height <= InputFormat.ModelSize && format.Width <= InputFormat.ModelSize ? format.ToModelInput()
            : throw new NotSupportedException($"{format.Name} images ({format.Height}x{format.Width}) are larger than the guide's " +
                                              $"{InputFormat.ModelSize}x{InputFormat.ModelSize} models take: read them at that size (e.g. ImageFolderDataset's size).");

    static IImageTransform[] Augment(AutoAugment? autoAugment) =>
        [new RandomCrop(32, Padding: 4), new RandomHorizontalFlip(), new ColorJitter(0.2, 0.2, 0.2), new RandomRotation(15), autoAugment ?? AutoAugment.Guide];
}
