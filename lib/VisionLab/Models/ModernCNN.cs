using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using VisionLab.Core;

namespace VisionLab.Models;

/// <summary>The first layers of <see cref="ModernCNN"/>.</summary>
public enum CnnStem
{
    /// <summary>The guide's: 7x7 convolution, stride 2, then 3x3 max-pool, stride 2 (a 32x32 image is 8x8 before layer1).</summary>
    ImageNet,
    /// <summary>CIFAR ResNets': 3x3 convolution, stride 1, no max-pool (layer1 sees the full 32x32).</summary>
    Cifar,
}

/// <summary>
/// The guide's ResNet-style ModernCNN: a stem, three stages of two residual blocks (64→128, 128→256, 256→512),
/// global average pooling and a linear classifier; 11,038,218 parameters for 10 classes. Kaiming-normal
/// (fan-out) convolutions and unit/zero batch norms, as the guide initialises them. With 0 classes it is an
/// encoder: the classifier is the identity and the output is the 512 pooled features.
/// </summary>
public sealed class ModernCNN : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Module<Tensor, Tensor> maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Module<Tensor, Tensor> fc;

    /// <param name="width">Channels of the stem (the guide's 64); the stages have 2x, 4x and 8x as many. Narrower
    /// networks keep every layer and operation (the benchmark's host-cost stand-in uses 4).</param>
    public ModernCNN(long numClasses = 10, long inChannels = 3, CnnStem stem = CnnStem.ImageNet, long width = 64) : base(nameof(ModernCNN))
    {
        if (numClasses < 0) throw new ArgumentOutOfRangeException(nameof(numClasses), "A classifier needs at least one class (0: no classifier).");
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), "Images have at least one channel.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), "The stem needs at least one channel (the guide's is 64).");
        Stem = stem;
        InChannels = inChannels;
        Width = width;
        conv1 = stem == CnnStem.ImageNet ? Conv2d(inChannels, width, 7, stride: 2, padding: 3) : Conv2d(inChannels, width, 3, stride: 1, padding: 1);
        bn1 = BatchNorm2d(width);
        relu = ReLU(inplace: true);
        maxpool = stem == CnnStem.ImageNet ? MaxPool2d(3, stride: 2, padding: 1) : Identity();
        layer1 = MakeLayer(width, 2 * width, 2);
        layer2 = MakeLayer(2 * width, 4 * width, 2, stride: 2);
        layer3 = MakeLayer(4 * width, 8 * width, 2, stride: 2);
        avgpool = AdaptiveAvgPool2d(new long[] { 1, 1 });
        // No classes: the guide's SimCLR sets fc = Identity, so the network returns its pooled features.
        fc = numClasses == 0 ? Identity() : Linear(Features, numClasses);
        RegisterComponents();
        InitializeWeights();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    /// <summary>Width of the pooled features the classifier reads (what an encoder without classifier returns) at the guide's width.</summary>
    public const long FeatureCount = 512;

    /// <summary>Channels of the stem (the guide's 64).</summary>
    public long Width { get; }

    /// <summary>Width of this network's pooled features: 8 x <see cref="Width"/> (<see cref="FeatureCount"/> at the guide's width).</summary>
    public long Features => 8 * Width;

    public CnnStem Stem { get; }
    public long InChannels { get; }

    static Sequential MakeLayer(long inChannels, long outChannels, int blocks, long stride = 1)
    {
        var layers = new List<Module<Tensor, Tensor>> { new ResidualBlock(inChannels, outChannels, stride) };
        for (int i = 1; i < blocks; i++) layers.Add(new ResidualBlock(outChannels, outChannels));
        return Sequential(layers);
    }

    void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv) init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn)
            {
                init.constant_(bn.weight, 1);
                init.constant_(bn.bias, 0);
            }
        }
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
            throw new ArgumentException($"ModernCNN expects images [N, {InChannels}, H, W]; got [{string.Join(", ", x.shape)}].");
        using var scope = NewDisposeScope();
        x = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        x = layer3.call(layer2.call(layer1.call(x)));
        x = avgpool.call(x).flatten(1);
        return fc.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The output shape of each stage (conv1, bn1, relu, maxpool, layer1..3, avgpool, fc) for one image of the given
    /// size (the notebook's "shapes through the network"), recorded by forward hooks on the real forward pass, so the
    /// stages and their order are always what <see cref="forward"/> runs.
    /// </summary>
    public IReadOnlyList<(string Stage, long[] Shape)> TraceShapes(long height = 32, long width = 32)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = training;
        eval();
        var shapes = new List<(string, long[])> { ("input", new[] { 1L, InChannels, height, width }) };
        var hooks = named_children().Select(child => ((Module<Tensor, Tensor>)child.module).register_forward_hook((_, _, output) =>
        {
            shapes.Add((child.name, output.shape));
            return output;
        })).ToList();
        try { call(zeros(1, InChannels, height, width, device: conv1.weight!.device)); }
        finally
        {
            foreach (var hook in hooks) hook.remove();
            train(wasTraining);
        }
        return shapes;
    }
}
