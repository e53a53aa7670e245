using static TorchSharp.torch;

namespace VisionLab.Tests.Golden;

/// <summary>The deterministic weights of tests/golden/guide_models.py (formula_values, formula_input), in C#.</summary>
public static class GoldenWeights
{
    public static Tensor Values(long count, int index, string name)
    {
        if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) return tensor(7L);
        var k = arange(count, ScalarType.Float64);
        return name.EndsWith("running_var", StringComparison.Ordinal)
            ? (1.0 + 0.5 * (0.37 * k + index).sin().abs()).to(ScalarType.Float32)
            : (0.05 * (0.37 * k + 1.3 * index).sin()).to(ScalarType.Float32);
    }

    /// <summary>Fills a module's state from the formula, by the index of each name in PyTorch's state-dict order.</summary>
    public static void Fill(nn.Module module, IReadOnlyList<string> pytorchOrder)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var state = module.state_dict();
        for (int index = 0; index < pytorchOrder.Count; index++)
        {
            var target = state[pytorchOrder[index]];
            target.copy_(Values(target.numel(), index, pytorchOrder[index]).reshape(target.shape));
        }
    }

    public static Tensor Input(params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return (arange(n, ScalarType.Float64) * 0.013).cos().reshape(shape).to(ScalarType.Float32);
    }
}
