using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// The guide's VisionTransformer: patch embedding, a class token, learned position embeddings, a transformer
/// encoder (post-norm nn.TransformerEncoderLayer semantics, GELU), LayerNorm on the class token and a linear head.
/// With the guide's defaults 86,567,656 parameters; the 32x32 configuration (patch 4, dim 192, depth 6, heads 3)
/// 2,693,578. Parameter names match the guide's PyTorch module.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>, IAttentionModel
{
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter cls_token;
    private readonly Parameter pos_embed;
    private readonly Dropout pos_drop;
    private readonly TransformerStack transformer;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public VisionTransformer(long imgSize = 224, long patchSize = 16, long inChannels = 3, long numClasses = 1000, long embedDim = 768,
        int depth = 12, long numHeads = 12, double mlpRatio = 4.0, double dropout = 0.1, bool normFirst = false) : base(nameof(VisionTransformer))
    {
        // Validate before allocating: a constructor that throws halfway leaves native tensors to the finalizer.
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), "A classifier needs at least one class.");
        if (patchSize < 1 || imgSize % patchSize != 0)
            throw new ArgumentException($"The image size ({imgSize}) must be a multiple of the patch size ({patchSize}).");
        if (numHeads < 1 || embedDim % numHeads != 0)
            throw new ArgumentException($"The embedding size ({embedDim}) must be divisible by the number of heads ({numHeads}).");
        EmbedDim = embedDim;
        patch_embed = new PatchEmbedding(imgSize, patchSize, inChannels, embedDim);
        cls_token = Parameter(zeros(1, 1, embedDim));
        pos_embed = Parameter(zeros(1, patch_embed.PatchCount + 1, embedDim));
        pos_drop = Dropout(dropout);
        transformer = new TransformerStack(depth, () => new TransformerBlock(embedDim, numHeads, (long)(embedDim * mlpRatio), dropout, normFirst));
        norm = LayerNorm(embedDim);
        head = Linear(embedDim, numClasses);
        using (no_grad())
        {
            TruncatedNormal.Fill_(pos_embed, std: 0.02);
            TruncatedNormal.Fill_(cls_token, std: 0.02);
        }
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    /// <summary>The guide's small configuration for 32x32 images: patch 4, dim 192, depth 6, 3 heads (2,693,578 parameters for 10 classes).</summary>
    public static VisionTransformer Small32(long numClasses = 10, long inChannels = 3, double dropout = 0.1, bool normFirst = false) =>
        new(imgSize: 32, patchSize: 4, inChannels: inChannels, numClasses: numClasses, embedDim: 192, depth: 6, numHeads: 3, dropout: dropout, normFirst: normFirst);

    public long EmbedDim { get; }
    public PatchEmbedding PatchEmbed => patch_embed;
    public TransformerStack Transformer => transformer;

    public override Tensor forward(Tensor x) => Run(x, null);

    public AttentionOutput ForwardWithAttention(Tensor images)
    {
        var attention = new List<Tensor>();
        var logits = Run(images, attention);
        return new AttentionOutput(logits, attention, patch_embed.GridSize, HasClassToken: true);
    }

    Tensor Run(Tensor x, List<Tensor>? attention)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        x = patch_embed.call(x);
        x = cat([cls_token.expand(batch, -1, -1), x], 1);
        x = pos_drop.call(x + pos_embed);
        x = transformer.Forward(x, attention);
        x = head.call(norm.call(x.select(1, 0)));      // the class token
        if (attention is not null) foreach (var weights in attention) weights.MoveToOuterDisposeScope();
        return x.MoveToOuterDisposeScope();
    }
}
