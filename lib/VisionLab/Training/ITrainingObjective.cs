using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// What one batch contributes: the loss to minimise and how many of its images were "correct" (fractional under MixUp),
/// a 0-dim tensor on the training device: the trainer reads both back in batches, never inside a step.
/// </summary>
public sealed record ObjectiveOutput(Tensor Loss, Tensor Correct, bool Mixed);

/// <summary>
/// What the trainer minimises. The trainer owns the loop (precision, scaling, accumulation, clipping, schedule,
/// checkpoints, callbacks); the objective turns one batch into a loss. <see cref="SupervisedObjective"/> is the
/// guide's classification loss; SimCLR's contrastive loss is another.
/// </summary>
public interface ITrainingObjective : IDisposable
{
    /// <param name="forward">The model, with the trainer's precision handling (inputs cast, outputs back in fp32).</param>
    /// <param name="inputs">The batch's images, on the training device.</param>
    /// <param name="targets">The batch's labels, on the training device.</param>
    /// <param name="random">This batch's own random source (seeded from seed, epoch and batch).</param>
    ObjectiveOutput Compute(Func<Tensor, Tensor> forward, Tensor inputs, Tensor targets, Random random);
}
