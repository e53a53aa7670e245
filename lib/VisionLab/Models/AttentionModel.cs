using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>
/// Logits and the attention weights of every layer, [B, heads, T, T] each. Token 0 is the class token when the model
/// has one; a model that pools its tokens instead gives the pooling weights [B, T] (which token the output reads).
/// </summary>
public sealed record AttentionOutput(Tensor Logits, IReadOnlyList<Tensor> Attention, long GridSize, bool HasClassToken, Tensor? PoolWeights = null) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        PoolWeights?.Dispose();
        foreach (var weights in Attention) weights.Dispose();
    }
}

/// <summary>A model whose attention can be looked at (the ViT and the hybrid).</summary>
public interface IAttentionModel
{
    /// <summary>Runs the model and keeps every layer's attention weights.</summary>
    AttentionOutput ForwardWithAttention(Tensor images);
}
