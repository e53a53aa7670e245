using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Core;

/// <summary>
/// Where a module's weights live. The trainer moves a model to <see cref="TorchEnvironment.DefaultDevice"/> (CUDA when
/// present) while a caller's images are usually built on the CPU, so code that runs a model it was handed moves the
/// inputs here first.
/// </summary>
public static class ModuleDevice
{
    /// <summary>The device of the module's first parameter; the CPU for a module without parameters.</summary>
    public static Device Of(nn.Module module) => module.parameters().FirstOrDefault()?.device ?? CPU;
}
