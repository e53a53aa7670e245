using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Classification: cross-entropy with label smoothing, and MixUp/CutMix decided per batch with the options'
/// probability, scored against this batch's own targets (the guide reused an earlier batch's: docs/guide-errata.md, erratum 2).
/// </summary>
public sealed class SupervisedObjective(TrainerOptions options) : ITrainingObjective
{
    readonly CrossEntropyLoss _criterion = new(label_smoothing: options.LabelSmoothing);

    public ObjectiveOutput Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor targets, Random random)
    {
        using var mixed = random.NextDouble() < options.MixProbability ? options.Mix.Apply(inputs, targets, random) : null;
        var outputs = forward(mixed?.Inputs ?? inputs);
        var loss = mixed is null ? _criterion.call(outputs, targets) : mixed.Loss(_criterion.call, outputs);
        using var noGrad = no_grad();
        using var predicted = outputs.argmax(1);
        double correct = mixed is null
            ? predicted.eq(targets).sum().item<long>()
            : mixed.Lambda * predicted.eq(mixed.TargetsA).sum().item<long>() + (1 - mixed.Lambda) * predicted.eq(mixed.TargetsB).sum().item<long>();
        return new ObjectiveOutput(loss, correct, mixed is not null);
    }

    public void Dispose() => _criterion.Dispose();
}
