using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>
/// Sequence pooling (Hassani et al. 2021): a learned score per token, softmaxed over the sequence, weights the average
/// of the tokens. Shared by the hybrid and by the ViT with <see cref="TokenPooling.Sequence"/>, so both pool alike.
/// </summary>
internal static class SequencePooling
{
    /// <summary>tokens [B, N, E] -> (pooled [B, E], weights [B, N], each row summing to one).</summary>
    public static (Tensor Pooled, Tensor Weights) Apply(Linear scorer, Tensor tokens)
    {
        var weights = nn.functional.softmax(scorer.call(tokens).squeeze(-1), -1);
        return (weights.unsqueeze(1).bmm(tokens).squeeze(1), weights);
    }
}
