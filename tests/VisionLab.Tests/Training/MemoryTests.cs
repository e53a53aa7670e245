using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

public sealed class MemoryTests
{
    /// <summary>Resident memory after each epoch, once the garbage collector has run (what is retained, not what awaits collection).</summary>
    sealed class RetainedMemory : TrainingCallback
    {
        public List<double> MiB { get; } = new();

        public override void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            MiB.Add(Environment.WorkingSet / 1048576.0);
        }
    }

    [Fact]
    public void Process_memory_is_flat_after_the_second_epoch()
    {
        var data = new SyntheticShapes(512, seed: 0);
        manual_seed(0);
        using var model = new ModernCNN(6);
        using var trainer = new Trainer(model, new TrainerOptions());
        var memory = new RetainedMemory();
        trainer.Callbacks.Add(memory);
        var loader = new DataLoader(data, GuidePipeline.Train(), new DataLoaderOptions { BatchSize = 64 });
        var history = trainer.Fit(loader, loader, epochs: 6);
        Assert.All(history, h => Assert.True(h.ProcessMemoryBytes > 0));
        double afterSecond = memory.MiB[1];
        Assert.All(memory.MiB.Skip(2), m => Assert.True(m <= afterSecond * 1.05, $"resident memory per epoch (MiB): {string.Join(", ", memory.MiB.Select(x => x.ToString("F0")))}"));
    }
}
