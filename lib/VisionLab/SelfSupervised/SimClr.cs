using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Core;
using VisionLab.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.SelfSupervised;

/// <summary>
/// The guide's SimCLR: an encoder without its classifier and a projection head (Linear 512→512, ReLU,
/// Linear 512→128). <see cref="forward"/> takes both views as one batch [2N, C, H, W] (first views, then second
/// views; <see cref="Augmentation.TwoViews.Flatten"/>) and returns their projections [2N, 128]: one encoder pass
/// instead of the guide's two. Parameter names equal the guide's (encoder.*, projection.0, projection.2).
/// </summary>
public sealed class SimClr : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Sequential projection;

    /// <param name="encoder">Maps images to [N, <paramref name="featureCount"/>] features, e.g. <c>new ModernCNN(numClasses: 0)</c>.</param>
    public SimClr(Module<Tensor, Tensor> encoder, long featureCount = ModernCNN.FeatureCount, long projectionDim = 128) : base(nameof(SimClr))
    {
        if (featureCount < 1 || projectionDim < 1) throw new ArgumentOutOfRangeException(nameof(projectionDim), "Feature and projection sizes must be positive.");
        this.encoder = encoder;
        projection = Sequential(Linear(featureCount, featureCount), ReLU(), Linear(featureCount, projectionDim));
        FeatureCount = featureCount;
        ProjectionDim = projectionDim;
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    /// <summary>The guide's setup: its ModernCNN with fc = Identity as the encoder.</summary>
    public static SimClr WithModernCnn(long projectionDim = 128, CnnStem stem = CnnStem.ImageNet) =>
        new(new ModernCNN(numClasses: 0, stem: stem), ModernCNN.FeatureCount, projectionDim);

    public Module<Tensor, Tensor> Encoder => encoder;
    public long FeatureCount { get; }
    public long ProjectionDim { get; }

    public override Tensor forward(Tensor views) => projection.call(encoder.call(views));

    /// <summary>The guide's two-argument forward: projections of each view batch.</summary>
    public (Tensor Z1, Tensor Z2) Project(Tensor x1, Tensor x2)
    {
        if (!x1.shape.SequenceEqual(x2.shape))
            throw new ArgumentException($"Both views need one shape; got [{string.Join(", ", x1.shape)}] and [{string.Join(", ", x2.shape)}].");
        using var scope = NewDisposeScope();
        var z = forward(cat(new[] { x1, x2 }));
        var halves = z.chunk(2);
        return (halves[0].MoveToOuterDisposeScope(), halves[1].MoveToOuterDisposeScope());
    }
}
