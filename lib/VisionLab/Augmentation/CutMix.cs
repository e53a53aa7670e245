using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>
/// CutMix (Yun et al., 2019): pastes a box of a shuffled copy into each image; lambda is the kept area
/// fraction after the box is clipped to the image.
/// </summary>
public sealed record CutMix(double Alpha = 1.0) : IBatchMix
{
    public MixedBatch Apply(Tensor inputs, Tensor targets, Random random)
    {
        int h = (int)inputs.shape[^2], w = (int)inputs.shape[^1];
        var (top, left, bottom, right) = Box(random, Sampling.Beta(random, Alpha, Alpha), h, w);
        using var index = MixUp.Permutation(random, inputs.shape[0], inputs.device);
        var mixed = inputs.clone();
        if (bottom > top && right > left)
        {
            using var shuffled = inputs.index_select(0, index);
            var rows = TensorIndex.Slice(top, bottom);
            var cols = TensorIndex.Slice(left, right);
            using var patch = shuffled[TensorIndex.Ellipsis, rows, cols];
            mixed[TensorIndex.Ellipsis, rows, cols] = patch;
        }
        double lambda = 1 - (double)(bottom - top) * (right - left) / (h * w);
        return new MixedBatch(mixed, targets.clone(), targets.index_select(0, index), lambda);
    }

    /// <summary>A box of area (1 - lambda) of the image at a uniform random centre, clipped to the image.</summary>
    public static (int Top, int Left, int Bottom, int Right) Box(Random random, double lambda, int height, int width)
    {
        double ratio = Math.Sqrt(1 - lambda);
        int cutH = (int)(height * ratio), cutW = (int)(width * ratio);
        int cy = random.Next(height), cx = random.Next(width);
        return (Math.Clamp(cy - cutH / 2, 0, height), Math.Clamp(cx - cutW / 2, 0, width),
                Math.Clamp(cy + cutH / 2, 0, height), Math.Clamp(cx + cutW / 2, 0, width));
    }
}
