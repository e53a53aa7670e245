using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// Self-attention with PyTorch's nn.MultiheadAttention parameters (in_proj_weight [3E, E], in_proj_bias,
/// out_proj) and semantics (dropout on the attention weights while training). Unlike TorchSharp's, it can return
/// the weights of every head; when they are not needed it uses libtorch's fused scaled-dot-product attention.
/// </summary>
public sealed class MultiheadSelfAttention : Module<Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;

    public MultiheadSelfAttention(long embedDim, long numHeads, double dropout = 0.0) : base(nameof(MultiheadSelfAttention))
    {
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"The embedding size ({embedDim}) must be divisible by the number of heads ({numHeads}).");
        (EmbedDim, NumHeads, Dropout) = (embedDim, numHeads, dropout);
        in_proj_weight = Parameter(empty(3 * embedDim, embedDim));
        in_proj_bias = Parameter(zeros(3 * embedDim));
        out_proj = Linear(embedDim, embedDim);
        using (no_grad())
        {
            // PyTorch's _reset_parameters: Xavier-uniform in-projection, zero biases.
            init.xavier_uniform_(in_proj_weight);
            init.zeros_(out_proj.bias!);
        }
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public long EmbedDim { get; }
    public long NumHeads { get; }
    public double Dropout { get; }

    public override Tensor forward(Tensor x) => Forward(x, needWeights: false).Output;

    /// <summary>Attends over the tokens of x [B, T, E]; with needWeights, also returns the weights [B, heads, T, T].</summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor x, bool needWeights)
    {
        if (x.dim() != 3 || x.shape[2] != EmbedDim)
            throw new ArgumentException($"Self-attention expects tokens [B, T, {EmbedDim}]; got [{string.Join(", ", x.shape)}].");
        long batch = x.shape[0], tokens = x.shape[1], headDim = EmbedDim / NumHeads;
        using var scope = NewDisposeScope();
        // [B, T, 3E] -> [3, B, heads, T, headDim]
        var qkv = functional.linear(x, in_proj_weight, in_proj_bias)
            .view(batch, tokens, 3, NumHeads, headDim).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
        double dropout = training ? Dropout : 0.0;
        Tensor attended;
        Tensor? weights = null;
        if (needWeights)
        {
            weights = functional.softmax(q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(headDim)), -1);
            attended = functional.dropout(weights, dropout, training).matmul(v);
        }
        else
        {
            attended = functional.scaled_dot_product_attention(q, k, v, p: dropout);
        }
        var output = out_proj.call(attended.transpose(1, 2).reshape(batch, tokens, EmbedDim));
        return (output.MoveToOuterDisposeScope(), weights?.MoveToOuterDisposeScope());
    }
}
