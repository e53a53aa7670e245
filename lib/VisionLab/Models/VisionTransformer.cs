using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// The guide's VisionTransformer: patch embedding, a class token, learned position embeddings, a transformer
/// encoder (post-norm nn.TransformerEncoderLayer semantics, GELU), LayerNorm on the class token and a linear head.
/// With the guide's defaults 86,567,656 parameters; the 32x32 configuration (patch 4, dim 192, depth 6, heads 3)
/// 2,693,578. Parameter names match the guide's PyTorch module. With <see cref="TokenPooling.Sequence"/> it has no
/// class token and pools like the hybrid (<see cref="CompactConvTransformer"/>), from which it then differs only in the
/// tokenizer: chapter 3 uses that to change one thing at a time.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>, IAttentionModel
{
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter? cls_token;
    private readonly Parameter pos_embed;
    private readonly Dropout pos_drop;
    private readonly TransformerStack transformer;
    private readonly LayerNorm norm;
    private readonly Linear? attention_pool;
    private readonly Linear head;

    public VisionTransformer(long imgSize = 224, long patchSize = 16, long inChannels = 3, long numClasses = 1000, long embedDim = 768,
        int depth = 12, long numHeads = 12, double mlpRatio = 4.0, double dropout = 0.1, bool normFirst = false,
        TokenPooling pooling = TokenPooling.ClassToken) : base(nameof(VisionTransformer))
    {
        // Validate before allocating: a constructor that throws halfway leaves native tensors to the finalizer.
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), "A classifier needs at least one class.");
        if (patchSize < 1 || imgSize % patchSize != 0)
            throw new ArgumentException($"The image size ({imgSize}) must be a multiple of the patch size ({patchSize}).");
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"The embedding size ({embedDim}) must be divisible by the number of heads ({numHeads}).");
        if (!(mlpRatio > 0)) throw new ArgumentOutOfRangeException(nameof(mlpRatio), $"The MLP ratio must be positive (got {mlpRatio}).");
        if (!Enum.IsDefined(pooling)) throw new ArgumentOutOfRangeException(nameof(pooling), $"Unknown pooling {pooling}.");
        (EmbedDim, Pooling) = (embedDim, pooling);
        patch_embed = new PatchEmbedding(imgSize, patchSize, inChannels, embedDim);
        bool classToken = pooling == TokenPooling.ClassToken;
        if (classToken) cls_token = Parameter(zeros(1, 1, embedDim));
        pos_embed = Parameter(zeros(1, patch_embed.PatchCount + (classToken ? 1 : 0), embedDim));
        pos_drop = Dropout(dropout);
        transformer = new TransformerStack(depth, () => new TransformerBlock(embedDim, numHeads, (long)(embedDim * mlpRatio), dropout, normFirst));
        norm = LayerNorm(embedDim);
        if (!classToken) attention_pool = Linear(embedDim, 1);
        head = Linear(embedDim, numClasses);
        using (no_grad())
        {
            TruncatedNormal.Fill_(pos_embed, std: 0.02);
            if (cls_token is not null) TruncatedNormal.Fill_(cls_token, std: 0.02);
        }
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    /// <summary>The guide's small configuration for 32x32 images: patch 4, dim 192, depth 6, 3 heads (2,693,578 parameters for 10 classes).</summary>
    public static VisionTransformer Small32(long numClasses = 10, long inChannels = 3, double dropout = 0.1, bool normFirst = false,
        double mlpRatio = 4.0, TokenPooling pooling = TokenPooling.ClassToken) =>
        new(imgSize: 32, patchSize: 4, inChannels: inChannels, numClasses: numClasses, embedDim: 192, depth: 6, numHeads: 3,
            mlpRatio: mlpRatio, dropout: dropout, normFirst: normFirst, pooling: pooling);

    public long EmbedDim { get; }
    public TokenPooling Pooling { get; }
    public PatchEmbedding PatchEmbed => patch_embed;
    public TransformerStack Transformer => transformer;

    public override Tensor forward(Tensor x)
    {
        var (logits, pool) = Run(x, null);
        pool?.Dispose();
        return logits;
    }

    public AttentionOutput ForwardWithAttention(Tensor images)
    {
        var attention = new List<Tensor>();
        var (logits, pool) = Run(images, attention);
        return new AttentionOutput(logits, attention, patch_embed.GridSize, HasClassToken: cls_token is not null, PoolWeights: pool);
    }

    (Tensor Logits, Tensor? Pool) Run(Tensor x, List<Tensor>? attention)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        x = patch_embed.call(x);
        if (cls_token is not null) x = cat([cls_token.expand(batch, -1, -1), x], 1);
        x = pos_drop.call(x + pos_embed);
        x = transformer.Forward(x, attention);
        Tensor? pool = null;
        if (attention_pool is null)
            x = head.call(norm.call(x.select(1, 0)));      // the class token
        else
        {
            (x, pool) = SequencePooling.Apply(attention_pool, norm.call(x));
            x = head.call(x);
        }
        if (attention is not null) foreach (var weights in attention) weights.MoveToOuterDisposeScope();
        return (x.MoveToOuterDisposeScope(), pool?.MoveToOuterDisposeScope());
    }
}
