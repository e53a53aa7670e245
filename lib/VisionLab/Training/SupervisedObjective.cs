using TorchSharp;
using VisionLab.Augmentation;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Classification, with the guide's settings as defaults: cross-entropy with label smoothing, and MixUp/CutMix decided
/// per batch with <see cref="MixProbability"/>, scored against this batch's own targets (the guide reused an earlier
/// batch's: docs/guide-errata.md, erratum 2). The objective owns these settings; <see cref="TrainerOptions"/> only the loop's.
/// </summary>
public sealed class SupervisedObjective : ITrainingObjective
{
    readonly double _labelSmoothing = 0.1, _mixProbability = 0.5;

    /// <summary>Label smoothing of the cross-entropy, in [0, 1) (the guide: 0.1).</summary>
    public double LabelSmoothing
    {
        get => _labelSmoothing;
        init => _labelSmoothing = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), $"Label smoothing is in [0, 1); got {value}.");
    }

    /// <summary>Probability that a batch is mixed (the guide: 0.5). 0 turns mixing off.</summary>
    public double MixProbability
    {
        get => _mixProbability;
        init => _mixProbability = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MixProbability), $"A probability is between 0 and 1; got {value}.");
    }

    /// <summary>How a batch is mixed (the guide: MixUp with alpha 1).</summary>
    public IBatchMix Mix { get; init; } = new MixUp(1.0);

    Tensor Criterion(Tensor outputs, Tensor targets) => nn.functional.cross_entropy(outputs, targets, label_smoothing: LabelSmoothing);

    public ObjectiveOutput Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor targets, Random random)
    {
        using var mixed = random.NextDouble() < MixProbability ? Mix.Apply(inputs, targets, random) : null;
        var outputs = forward(mixed?.Inputs ?? inputs);
        var loss = mixed is null ? Criterion(outputs, targets) : mixed.Loss(Criterion, outputs);
        using var noGrad = no_grad();
        using var predicted = outputs.argmax(1);
        // In double on the device, the arithmetic the host did (λ-weighted counts), so the numbers read back are the same.
        if (mixed is null) return new ObjectiveOutput(loss, predicted.eq(targets).sum(type: ScalarType.Float64), false);
        using Scalar lambda = mixed.Lambda, rest = 1 - mixed.Lambda;   // held: TorchSharp can free an implicit Scalar mid-call
        var correct = predicted.eq(mixed.TargetsA).sum(type: ScalarType.Float64).mul_(lambda)
            .add_(predicted.eq(mixed.TargetsB).sum(type: ScalarType.Float64).mul_(rest));
        return new ObjectiveOutput(loss, correct, true);
    }

    public override string ToString() => $"SupervisedObjective(label smoothing {LabelSmoothing}, mixing {MixProbability:P0} of batches with {Mix})";

    public void Dispose() { }
}
