using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// One encoder layer with the semantics and parameter names of PyTorch's nn.TransformerEncoderLayer
/// (self_attn, linear1, linear2, norm1, norm2; GELU; dropout; batch first). Post-norm like the guide's by default,
/// pre-norm (the ViT paper's and CCT's choice, steadier to train) as an option.
/// </summary>
public sealed class TransformerBlock : Module<Tensor, Tensor>
{
    private readonly MultiheadSelfAttention self_attn;
    private readonly Linear linear1;
    private readonly Dropout dropout;
    private readonly Linear linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout1;
    private readonly Dropout dropout2;

    public TransformerBlock(long dModel, long nHead, long dimFeedforward, double dropoutRate = 0.1, bool normFirst = false, double layerNormEps = 1e-5)
        : base(nameof(TransformerBlock))
    {
        NormFirst = normFirst;
        self_attn = new MultiheadSelfAttention(dModel, nHead, dropoutRate);
        linear1 = Linear(dModel, dimFeedforward);
        dropout = Dropout(dropoutRate);
        linear2 = Linear(dimFeedforward, dModel);
        norm1 = LayerNorm(dModel, layerNormEps);
        norm2 = LayerNorm(dModel, layerNormEps);
        dropout1 = Dropout(dropoutRate);
        dropout2 = Dropout(dropoutRate);
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public bool NormFirst { get; }

    public override Tensor forward(Tensor x) => Forward(x, needWeights: false).Output;

    /// <summary>The layer's output and, with needWeights, its attention weights [B, heads, T, T].</summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor x, bool needWeights)
    {
        using var scope = NewDisposeScope();
        Tensor? weights;
        if (NormFirst)
        {
            (var attended, weights) = self_attn.Forward(norm1.call(x), needWeights);
            x = x + dropout1.call(attended);
            x = x + dropout2.call(FeedForward(norm2.call(x)));
        }
        else
        {
            (var attended, weights) = self_attn.Forward(x, needWeights);
            x = norm1.call(x + dropout1.call(attended));
            x = norm2.call(x + dropout2.call(FeedForward(x)));
        }
        return (x.MoveToOuterDisposeScope(), weights?.MoveToOuterDisposeScope());
    }

    Tensor FeedForward(Tensor x) => linear2.call(dropout.call(functional.gelu(linear1.call(x))));
}
