using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training, as torch.cuda.amp.GradScaler does it: multiply the loss by a scale,
/// divide gradients back before clipping, skip the step when any gradient is inf or NaN and halve the scale;
/// double it after <see cref="GrowthInterval"/> clean steps. Disabled, it is a pass-through (fp32, bf16, CPU).
/// </summary>
public sealed class GradScaler(bool enabled, double initialScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5, int growthInterval = 2000)
{
    public bool Enabled { get; } = enabled;
    public double Scale { get; private set; } = enabled ? initialScale : 1.0;
    public double GrowthFactor { get; } = growthFactor;
    public double BackoffFactor { get; } = backoffFactor;
    public int GrowthInterval { get; } = growthInterval;
    /// <summary>Clean steps since the scale last changed.</summary>
    public int GrowthTracker { get; private set; }
    /// <summary>True when the last unscaled gradients held an inf or NaN (the step is then skipped).</summary>
    public bool FoundInfinite { get; private set; }
    public long SkippedSteps { get; private set; }

    /// <summary>The loss to call backward() on.</summary>
    public Tensor ScaleLoss(Tensor loss) => Enabled ? loss * Scale : loss.alias();

    /// <summary>Divides the gradients by the scale in place and records whether any is not finite.</summary>
    /// <remarks>
    /// The check sums each gradient (an inf or NaN element makes its sum non-finite, as apex's loss scaler checks) and
    /// reads one flag back per step: an elementwise isfinite per parameter with a read-back each cost 4 % of a
    /// ModernCNN CPU step. A finite gradient whose sum overflows fp32 also counts as non-finite.
    /// </remarks>
    /// <returns>Whether it read a flag back from the device (only when enabled: fp32 and bf16 steps never synchronise here).</returns>
    public bool Unscale(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();   // frees the gradient handles
        return Unscale(parameters.Select(p => p.grad).OfType<Tensor>().ToList());
    }

    /// <summary>The same on gradient tensors, e.g. the flat buffers of packed parameters.</summary>
    public bool Unscale(IReadOnlyList<Tensor> gradients)
    {
        FoundInfinite = false;
        // Disabled (fp32, bf16), nothing is scaled and nothing is checked: a non-finite gradient shows as a non-finite
        // loss or weight when the trainer reads its metrics back, and stops training as divergence.
        if (!Enabled) return false;
        using var scope = NewDisposeScope();
        var sums = new List<Tensor>();
        using Scalar inverse = 1.0 / Scale;
        foreach (var grad in gradients)
        {
            grad.mul_(inverse);
            sums.Add(grad.sum(type: ScalarType.Float32));
        }
        if (sums.Count == 0) return false;
        FoundInfinite = !stack(sums).isfinite().all().item<bool>();
        return true;
    }

    /// <summary>Runs the optimizer step unless the gradients were not finite. Returns whether it stepped.</summary>
    public bool Step(Action optimizerStep)
    {
        if (FoundInfinite)
        {
            SkippedSteps++;
            return false;
        }
        optimizerStep();
        return true;
    }

    /// <summary>Backs off after an overflow, grows after enough clean steps.</summary>
    public void Update()
    {
        if (!Enabled) return;
        if (FoundInfinite)
        {
            Scale *= BackoffFactor;
            GrowthTracker = 0;
        }
        else if (++GrowthTracker == GrowthInterval)
        {
            Scale *= GrowthFactor;
            GrowthTracker = 0;
        }
    }

    public GradScalerState State => new(Scale, GrowthTracker, SkippedSteps);

    public void Restore(GradScalerState state) => (Scale, GrowthTracker, SkippedSteps) = (state.Scale, state.GrowthTracker, state.SkippedSteps);
}

public sealed record GradScalerState(double Scale, int GrowthTracker, long SkippedSteps);
