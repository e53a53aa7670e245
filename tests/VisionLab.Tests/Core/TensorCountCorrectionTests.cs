using TorchSharp.Modules;
using VisionLab.Models;
using static TorchSharp.torch;

using VisionLab.Core;

namespace VisionLab.Tests.Core;

/// <summary>TorchSharp 0.107 over-counts Parameters; the library's modules correct it so leak checks work.</summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class TensorCountCorrectionTests
{

    [Fact]
    public void TorchSharp_still_counts_a_disposed_parameter()
    {
        // If this starts failing, TorchSharp fixed its count: remove TensorCountCorrection.
        long before = LiveTensors.Count();
        new Parameter(zeros(3)).Dispose();
        Assert.Equal(before + 1, LiveTensors.Count());
    }

    [Fact]
    public void A_disposed_model_leaves_the_count_where_it_was()
    {
        long before = LiveTensors.Count();
        new ModernCNN(10).Dispose();
        new ResidualBlock(4, 8, stride: 2).Dispose();
        new ModernCNN(10, inChannels: 1, stem: CnnStem.Cifar).Dispose();
        Assert.Equal(before, LiveTensors.Count());
    }
}
