using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// The guide's PatchEmbedding: a convolution with kernel = stride = patch size cuts the image into patches and
/// projects each to a token; the output is [B, patches, embed].
/// </summary>
public sealed class PatchEmbedding : Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    public PatchEmbedding(long imgSize = 224, long patchSize = 16, long inChannels = 3, long embedDim = 768) : base(nameof(PatchEmbedding))
    {
        if (patchSize < 1 || imgSize % patchSize != 0)
            throw new ArgumentException($"The image size ({imgSize}) must be a multiple of the patch size ({patchSize}).");
        (ImgSize, PatchSize, InChannels) = (imgSize, patchSize, inChannels);
        GridSize = imgSize / patchSize;
        proj = Conv2d(inChannels, embedDim, patchSize, stride: patchSize);
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public long ImgSize { get; }
    public long PatchSize { get; }
    public long InChannels { get; }
    /// <summary>Patches per side: the attention maps are GridSize x GridSize.</summary>
    public long GridSize { get; }
    public long PatchCount => GridSize * GridSize;

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels || x.shape[2] != ImgSize || x.shape[3] != ImgSize)
            throw new ArgumentException($"The patch embedding expects images [N, {InChannels}, {ImgSize}, {ImgSize}]; got [{string.Join(", ", x.shape)}].");
        using var projected = proj.call(x);          // [B, E, H/P, W/P]
        using var flat = projected.flatten(2);       // [B, E, N]
        return flat.transpose(1, 2);                 // [B, N, E]
    }
}
