using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Global gradient-norm clipping that stays on the device: libtorch's clip_grad_norm_ arithmetic (the norm of the
/// per-tensor 2-norms, coefficient max / (norm + 1e-6) clamped to 1, gradients scaled in place), but the norm is
/// returned as a 0-dim tensor instead of being read back, so a training step needs no host synchronisation.
/// </summary>
public static class GradientClipping
{
    /// <param name="maxNorm">The limit; null only measures the norm (the gradients are left as they are).</param>
    /// <returns>The total norm before clipping, a 0-dim fp32 tensor on the gradients' device (NaN when no gradient exists).</returns>
    public static Tensor ClipByTotalNorm(IReadOnlyList<Parameter> parameters, double? maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0) return tensor(float.NaN).MoveToOuterDisposeScope();
        var total = stack(grads.Select(g => g.norm()).ToArray()).norm();   // p = 2 (norm(2) would be a dimension)
        if (maxNorm is double max)
        {
            var coefficient = (max / (total + 1e-6)).clamp_max(1.0);
            foreach (var g in grads) g.mul_(coefficient);
        }
        return total.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
