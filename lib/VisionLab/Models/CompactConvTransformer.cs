using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// The hybrid for the guide's "Model Selection" tip, after Compact Convolutional Transformers (Hassani et al. 2021):
/// a small convolutional tokenizer (two conv-ReLU-max-pool stages: local features and a built-in sense of position)
/// feeds the same transformer blocks as the ViT, and sequence pooling (a learned softmax over the tokens) replaces the
/// class token. For 32x32 images the tokenizer gives an 8x8 grid, like the ViT's 4x4 patches.
/// </summary>
public sealed class CompactConvTransformer : Module<Tensor, Tensor>, IAttentionModel
{
    private readonly Sequential tokenizer;
    private readonly Parameter pos_embed;
    private readonly Dropout pos_drop;
    private readonly TransformerStack transformer;
    private readonly LayerNorm norm;
    private readonly Linear attention_pool;
    private readonly Linear head;

    public CompactConvTransformer(long imgSize = 32, long inChannels = 3, long numClasses = 10, long embedDim = 192, int depth = 6,
        long numHeads = 3, double mlpRatio = 2.0, double dropout = 0.1, long tokenizerChannels = 64, bool normFirst = true)
        : base(nameof(CompactConvTransformer))
    {
        if (imgSize % 4 != 0) throw new ArgumentException($"The tokenizer halves the image twice: the size ({imgSize}) must be a multiple of 4.");
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), "A classifier needs at least one class.");
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"The embedding size ({embedDim}) must be divisible by the number of heads ({numHeads}).");
        (ImgSize, InChannels, GridSize) = (imgSize, inChannels, imgSize / 4);
        tokenizer = Sequential(
            Conv2d(inChannels, tokenizerChannels, 3, padding: 1, bias: false), ReLU(), MaxPool2d(3, stride: 2, padding: 1),
            Conv2d(tokenizerChannels, embedDim, 3, padding: 1, bias: false), ReLU(), MaxPool2d(3, stride: 2, padding: 1));
        pos_embed = Parameter(zeros(1, GridSize * GridSize, embedDim));
        pos_drop = Dropout(dropout);
        transformer = new TransformerStack(depth, () => new TransformerBlock(embedDim, numHeads, (long)(embedDim * mlpRatio), dropout, normFirst));
        norm = LayerNorm(embedDim);
        attention_pool = Linear(embedDim, 1);
        head = Linear(embedDim, numClasses);
        using (no_grad())
        {
            TruncatedNormal.Fill_(pos_embed, std: 0.02);
            foreach (var (_, module) in tokenizer.named_children())
                if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanIn, nonlinearity: init.NonlinearityType.ReLU);
        }
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public long ImgSize { get; }
    public long InChannels { get; }
    public long GridSize { get; }

    public override Tensor forward(Tensor x)
    {
        var (logits, pool) = Run(x, null);
        pool.Dispose();
        return logits;
    }

    public AttentionOutput ForwardWithAttention(Tensor images)
    {
        var attention = new List<Tensor>();
        var (logits, pool) = Run(images, attention);
        return new AttentionOutput(logits, attention, GridSize, HasClassToken: false, PoolWeights: pool);
    }

    (Tensor Logits, Tensor Pool) Run(Tensor x, List<Tensor>? attention)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels || x.shape[2] != ImgSize || x.shape[3] != ImgSize)
            throw new ArgumentException($"The hybrid expects images [N, {InChannels}, {ImgSize}, {ImgSize}]; got [{string.Join(", ", x.shape)}].");
        using var scope = NewDisposeScope();
        x = tokenizer.call(x).flatten(2).transpose(1, 2);                // [B, N, E]
        x = pos_drop.call(x + pos_embed);
        x = norm.call(transformer.Forward(x, attention));
        (x, var pool) = SequencePooling.Apply(attention_pool, x);
        x = head.call(x);
        if (attention is not null) foreach (var weights in attention) weights.MoveToOuterDisposeScope();
        return (x.MoveToOuterDisposeScope(), pool.MoveToOuterDisposeScope());
    }
}
