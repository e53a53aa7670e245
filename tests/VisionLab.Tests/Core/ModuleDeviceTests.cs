using TorchSharp;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Tests.Core;

public sealed class ModuleDeviceTests
{
    [Fact]
    public void Is_where_the_parameters_are_and_the_CPU_without_any()
    {
        using var linear = nn.Linear(2, 3);
        Assert.Equal(DeviceType.CPU, ModuleDevice.Of(linear).type);
        linear.to(TorchEnvironment.DefaultDevice);
        Assert.Equal(TorchEnvironment.DefaultDevice.type, ModuleDevice.Of(linear).type);
        using var relu = nn.ReLU();
        Assert.Equal(DeviceType.CPU, ModuleDevice.Of(relu).type);
    }
}
