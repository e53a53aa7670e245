using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Explain;

/// <summary>
/// Where a transformer looks, from <see cref="AttentionOutput"/>: the class token's attention over the patches in one
/// layer (what the guide's visualize_attention meant), per head or averaged, and attention rollout (Abnar &amp; Zuidema
/// 2020) through all layers. Models without a class token read their tokens through sequence pooling; their "class
/// row" is the pooling-weighted average of the rows. All maps are [B, grid, grid] (or [B, heads, grid, grid]).
/// </summary>
public static class AttentionMaps
{
    /// <summary>The class row of one layer's attention, per head: [B, heads, grid, grid]. Layer -1 is the last.</summary>
    public static Tensor PerHead(AttentionOutput output, int layer = -1)
    {
        var weights = Layer(output, layer);                         // [B, H, T, T]
        using var scope = NewDisposeScope();
        var row = output.HasClassToken
            ? weights[.., .., 0, 1..]                                // [B, H, N]: the class token's attention over the patches
            : PoolRow(output).unsqueeze(1).unsqueeze(2).matmul(weights).squeeze(2);
        return ToGrid(row, output.GridSize).MoveToOuterDisposeScope();
    }

    /// <summary>The class row of one layer's attention averaged over heads: [B, grid, grid].</summary>
    public static Tensor MeanOverHeads(AttentionOutput output, int layer = -1)
    {
        using var perHead = PerHead(output, layer);
        return perHead.mean([1]);
    }

    /// <summary>
    /// Attention rollout: each layer's head-averaged attention plus the identity (the residual path), rows
    /// renormalised, multiplied from the first layer to the last; the class row of the product over the patches:
    /// [B, grid, grid].
    /// </summary>
    public static Tensor Rollout(AttentionOutput output)
    {
        using var scope = NewDisposeScope();
        var rollout = RolloutMatrix(output.Attention);                                  // [B, T, T]
        var row = output.HasClassToken
            ? rollout[.., 0, 1..]
            : PoolRow(output).unsqueeze(1).bmm(rollout).squeeze(1);
        return ToGrid(row, output.GridSize).MoveToOuterDisposeScope();
    }

    /// <summary>The rollout matrix [B, T, T]: R = Â_L ... Â_1 with Â = (mean over heads of A + I) / 2.</summary>
    public static Tensor RolloutMatrix(IReadOnlyList<Tensor> attention)
    {
        if (attention.Count == 0) throw new ArgumentException("Rollout needs the attention of at least one layer (use ForwardWithAttention).");
        using var scope = NewDisposeScope();
        Tensor? rollout = null;
        foreach (var weights in attention)
        {
            if (weights.dim() != 4 || weights.shape[2] != weights.shape[3])
                throw new ArgumentException($"Attention weights must be [B, heads, T, T]; got [{string.Join(", ", weights.shape)}].");
            var averaged = weights.mean([1]);
            var withResidual = (averaged + eye(averaged.shape[1], dtype: averaged.dtype, device: averaged.device)) / 2;
            withResidual = withResidual / withResidual.sum(-1, keepdim: true);
            rollout = rollout is null ? withResidual : withResidual.bmm(rollout);
        }
        return rollout!.MoveToOuterDisposeScope();
    }

    static Tensor Layer(AttentionOutput output, int layer)
    {
        int count = output.Attention.Count;
        int index = layer < 0 ? count + layer : layer;
        if (index < 0 || index >= count) throw new ArgumentOutOfRangeException(nameof(layer), $"The model has {count} layer(s) of attention; layer {layer} does not exist.");
        return output.Attention[index];
    }

    static Tensor PoolRow(AttentionOutput output) =>
        output.PoolWeights ?? throw new ArgumentException("A model without a class token must return its pooling weights.");

    static Tensor ToGrid(Tensor row, long gridSize)
    {
        if (row.shape[^1] != gridSize * gridSize)
            throw new ArgumentException($"{row.shape[^1]} patch weights do not form a {gridSize}x{gridSize} grid.");
        return row.reshape([.. row.shape[..^1], gridSize, gridSize]);
    }
}
