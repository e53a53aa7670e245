using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>
/// A transform of one image [C, H, W]. Random ones draw only from the <see cref="Random"/> they are given,
/// so a pipeline seeded per image is deterministic whatever thread runs it. Returns a new tensor;
/// the input is left alone (the pipeline's dispose scope frees intermediates).
/// </summary>
public interface IImageTransform
{
    Tensor Apply(Tensor image, Random random);
}

/// <summary>Applies transforms in order (torchvision's Compose).</summary>
public sealed class Compose(params IImageTransform[] transforms) : IImageTransform
{
    public IReadOnlyList<IImageTransform> Transforms { get; } = transforms;

    public Tensor Apply(Tensor image, Random random)
    {
        foreach (var t in Transforms) image = t.Apply(image, random);
        return image;
    }

    public override string ToString() => $"Compose({string.Join(", ", Transforms)})";
}
