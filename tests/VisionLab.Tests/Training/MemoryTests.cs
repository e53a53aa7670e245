using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

public sealed class MemoryTests
{
    [Fact]
    public void Process_memory_is_flat_after_the_second_epoch()
    {
        var data = new SyntheticShapes(512, seed: 0);
        manual_seed(0);
        using var model = new ModernCNN(6);
        using var trainer = new Trainer(model, new TrainerOptions());
        trainer.Callbacks.Add(new RetainedMemory());
        var loader = new DataLoader(data, GuidePipeline.Train(), new DataLoaderOptions { BatchSize = 64 });
        var history = trainer.Fit(loader, loader, epochs: 6);
        Assert.All(history, h => Assert.True(h.ProcessMemoryBytes > 0));
        var mib = history.Select(h => h.RetainedMemoryBytes!.Value / 1048576.0).ToList();
        Assert.All(mib.Skip(2), m => Assert.True(m <= mib[1] * 1.05, $"resident memory per epoch after a collection (MiB): {string.Join(", ", mib.Select(x => x.ToString("F0")))}"));
    }

    [Fact]
    public void The_native_heap_trim_reaches_glibc_on_linux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.Trim());
        Assert.True(RetainedMemory.Measure(trimNativeHeap: true) > 0);
    }
}
