using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using VisionLab.Core;

namespace VisionLab.Models;

/// <summary>
/// The guide's ResidualBlock: two 3x3 convolutions with batch norm, and a 1x1 projection shortcut when the
/// shape changes. Field names are the guide's attribute names, so state-dict keys match PyTorch's.
/// </summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential shortcut;
    private readonly ReLU relu;

    public ResidualBlock(long inChannels, long outChannels, long stride = 1) : base(nameof(ResidualBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1);
        bn2 = BatchNorm2d(outChannels);
        shortcut = stride != 1 || inChannels != outChannels
            ? Sequential(Conv2d(inChannels, outChannels, 1, stride: stride), BatchNorm2d(outChannels))
            : Sequential();
        relu = ReLU(inplace: true);
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = relu.call(bn1.call(conv1.call(x)));
        output = bn2.call(conv2.call(output));
        output.add_(shortcut.call(x));
        return relu.call(output).MoveToOuterDisposeScope();
    }
}
