using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>
/// Two independent draws of <paramref name="View"/> from the same image, stacked [2, C, H, W]: the positive pair of
/// contrastive learning. A loader batches them as [N, 2, C, H, W].
/// </summary>
public sealed record TwoViews(IImageTransform View) : IImageTransform
{
    public Tensor Apply(Tensor image, Random random)
    {
        using var first = View.Apply(image, random);
        using var second = View.Apply(image, random);
        return stack(new[] { first, second });
    }

    /// <summary>Splits a batch of pairs [N, 2, C, H, W] into the batch of all first views followed by all second views [2N, C, H, W].</summary>
    public static Tensor Flatten(Tensor pairs)
    {
        if (pairs.dim() != 5 || pairs.shape[1] != 2)
            throw new ArgumentException($"Expected view pairs [N, 2, C, H, W] (a loader with a TwoViews transform); got [{string.Join(", ", pairs.shape)}].");
        return pairs.transpose(0, 1).flatten(0, 1);
    }
}
