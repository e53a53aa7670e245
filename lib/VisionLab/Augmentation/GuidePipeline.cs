namespace VisionLab.Augmentation;

/// <summary>The guide's training augmentation, in one place, for 32x32 colour data or 28x28 grayscale data.</summary>
public static class GuidePipeline
{
    /// <summary>
    /// The guide's train_transform: RandomCrop(32, padding=4), RandomHorizontalFlip, ColorJitter(0.2, 0.2, 0.2),
    /// RandomRotation(15), AutoAugment (the guide's policy, now applied), ToTensor, Normalize (ImageNet statistics).
    /// Grayscale 28x28 images are first padded to 32x32 and repeated to three channels.
    /// </summary>
    public static Compose Train(bool grayscale28 = false, AutoAugment? autoAugment = null) =>
        new([.. Adapt(grayscale28), .. Augment(autoAugment), new ToTensor(), Normalize.ImageNet]);

    /// <summary>
    /// A light recipe for small models trained briefly (transformers from scratch, synthetic shapes): RandomCrop(32,
    /// padding=4) and RandomHorizontalFlip only.
    /// </summary>
    public static Compose Light(bool grayscale28 = false) =>
        new([.. Adapt(grayscale28), new RandomCrop(32, Padding: 4), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet]);

    /// <summary>The same augmentation without ToTensor and Normalize: for looking at the images.</summary>
    public static Compose Display(bool grayscale28 = false, AutoAugment? autoAugment = null) =>
        new([.. Adapt(grayscale28), .. Augment(autoAugment)]);

    /// <summary>What evaluation uses: only the adaptation, ToTensor and Normalize.</summary>
    public static Compose Evaluate(bool grayscale28 = false) => new([.. Adapt(grayscale28), new ToTensor(), Normalize.ImageNet]);

    static IImageTransform[] Adapt(bool grayscale28) => grayscale28 ? [new Pad(2), new ToRgb()] : [];

    static IImageTransform[] Augment(AutoAugment? autoAugment) =>
        [new RandomCrop(32, Padding: 4), new RandomHorizontalFlip(), new ColorJitter(0.2, 0.2, 0.2), new RandomRotation(15), autoAugment ?? AutoAugment.Guide];
}
