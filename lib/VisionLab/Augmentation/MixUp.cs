using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Augmentation;

/// <summary>A mixed batch: inputs, the two target sets and the weight of the first.</summary>
public sealed class MixedBatch(Tensor inputs, Tensor targetsA, Tensor targetsB, double lambda) : IDisposable
{
    public Tensor Inputs { get; } = inputs;
    public Tensor TargetsA { get; } = targetsA;
    public Tensor TargetsB { get; } = targetsB;
    public double Lambda { get; } = lambda;

    /// <summary>lambda * loss(outputs, a) + (1 - lambda) * loss(outputs, b): the loss for mixed inputs.</summary>
    public Tensor Loss(Func<Tensor, Tensor, Tensor> criterion, Tensor outputs)
    {
        using var a = criterion(outputs, TargetsA);
        using var b = criterion(outputs, TargetsB);
        return a * Lambda + b * (1 - Lambda);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        TargetsA.Dispose();
        TargetsB.Dispose();
    }
}

/// <summary>A batch-level mix of images and their labels.</summary>
public interface IBatchMix
{
    /// <summary>Mixes a batch; the result owns new tensors, the inputs are left alone.</summary>
    MixedBatch Apply(Tensor inputs, Tensor targets, Random random);
}

/// <summary>MixUp (Zhang et al., 2018): convex combination of the batch with a shuffled copy, lambda ~ Beta(alpha, alpha).</summary>
public sealed record MixUp(double Alpha = 1.0) : IBatchMix
{
    public MixedBatch Apply(Tensor inputs, Tensor targets, Random random)
    {
        double lambda = Sampling.Beta(random, Alpha, Alpha);
        using var index = Permutation(random, inputs.shape[0], inputs.device);
        using var shuffled = inputs.index_select(0, index);
        return new MixedBatch(inputs * lambda + shuffled * (1 - lambda), targets.clone(), targets.index_select(0, index), lambda);
    }

    internal static Tensor Permutation(Random random, long n, Device device)
    {
        var order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        random.Shuffle(order);
        return tensor(order, device: device);
    }
}

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
