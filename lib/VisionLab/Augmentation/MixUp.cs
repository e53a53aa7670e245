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
