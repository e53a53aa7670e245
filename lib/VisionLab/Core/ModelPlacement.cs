using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Core;

/// <summary>
/// Where a module computes, and in which floating-point type. The trainer moves a model to
/// <see cref="TorchEnvironment.DefaultDevice"/> and, for mixed precision on CUDA, converts it to fp16 or bf16
/// (<see cref="Training.MasterWeights"/>), while a caller's images are usually fp32 on the CPU: code that runs a model it
/// was handed places the inputs first.
/// </summary>
public sealed record ModelPlacement(Device Device, ScalarType FloatType)
{
    /// <summary>The device and type of the module's first floating-point parameter; fp32 on the CPU for a module without any.</summary>
    public static ModelPlacement Of(nn.Module module)
    {
        var first = module.parameters().FirstOrDefault(p => p.is_floating_point());
        return first is null ? new ModelPlacement(CPU, ScalarType.Float32) : new ModelPlacement(first.device, first.dtype);
    }

    /// <summary>The input on the module's device; a floating-point input also in its floating-point type (labels keep theirs).</summary>
    public Tensor Place(Tensor input) => input.is_floating_point() ? input.to(FloatType, Device) : input.to(Device);
}
