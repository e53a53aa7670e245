using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Tests.Core;

/// <summary>The notebooks' leak check: a tensor freed by another thread a moment later is not a leak; a held one is.</summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class LiveTensorsTests
{
    [Fact]
    public async Task A_tensor_another_thread_frees_soon_is_waited_for()
    {
        long baseline = LiveTensors.Count();
        var transient = zeros(4);
        var freeing = Task.Run(async () => { await Task.Delay(600); transient.Dispose(); });
        var (excess, seen) = LiveTensors.ExcessOver(baseline, TimeSpan.FromSeconds(10));
        await freeing;
        Assert.Equal(0, excess);
        Assert.True(seen.Count > 1, "the first count should have seen the tensor still alive");
        Assert.Equal(1, seen[0]);
    }

    [Fact]
    public void A_held_tensor_is_reported_after_the_patience()
    {
        long baseline = LiveTensors.Count();
        using var held = ones(2);
        var (excess, seen) = LiveTensors.ExcessOver(baseline, TimeSpan.FromMilliseconds(600));
        Assert.Equal(1, excess);
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
