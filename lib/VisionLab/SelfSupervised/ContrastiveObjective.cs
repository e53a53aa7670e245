using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.SelfSupervised;

/// <summary>
/// SimCLR's objective for the shared <see cref="Trainer"/>: batches of view pairs [N, 2, C, H, W] (a loader with
/// <see cref="TwoViews"/>) go through the model as one batch [2N, C, H, W]; the loss is <see cref="NtXent"/>.
/// Labels are ignored. "Accuracy" is the share of the 2N anchors whose nearest other embedding is their positive.
/// </summary>
public sealed class ContrastiveObjective : ITrainingObjective
{
    public ContrastiveObjective(double temperature = 0.5)
    {
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), $"The temperature must be positive; got {temperature}.");
        Temperature = temperature;
    }

    public double Temperature { get; }

    public ObjectiveOutput Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor targets, Random random)
    {
        var z = forward(TwoViews.Flatten(inputs));
        var halves = z.chunk(2);
        var loss = NtXent.Loss(halves[0], halves[1], Temperature);
        using Scalar two = 2.0;   // held: TorchSharp can free an implicit Scalar mid-call (docs/reliability.md, Known problems)
        var correct = NtXent.PositivesRankedFirstOnDevice(halves[0], halves[1], Temperature).to(ScalarType.Float64).div_(two);
        return new ObjectiveOutput(loss, correct, Mixed: false);
    }

    public void Dispose() { }
}
