using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>
/// The training step measured round by round (forward, loss, backward, clipping, AdamW step; random 32x32 images in
/// memory, ToTensor only, so the step and not the augmentation is timed), alternating with the guide's PyTorch step
/// when asked. Also records memory: the resident set after a collection (and a heap trim) at the end of each round, and both peaks.
/// </summary>
public static class TrainStepRounds
{
    public sealed record Result(List<double> Ours, List<double> Theirs, string ReferenceLine, List<long> RetainedBytes, List<double> TheirPeakMiB);

    /// <param name="precision">Float32 everywhere (the default), or Float16/BFloat16 on CUDA, where the reference uses the guide's autocast.</param>
    public static Result Measure(string name, int batchSize, int batches, int rounds, bool withPyTorch, CancellationToken cancellationToken,
        Precision precision = Precision.Float32)
    {
        var random = new Random(0);
        var pixels = new byte[batchSize * (batches + 1) * 3 * 32 * 32];
        random.NextBytes(pixels);
        var data = new InMemoryImageDataset(pixels, Enumerable.Range(0, batchSize * (batches + 1)).Select(i => i % 10).ToArray(), 3, 32, 32, Cifar10.Classes);
        manual_seed(0);
        using var network = ModelCatalog.Create(name, 10);
        using var trainer = new Trainer(network, new TrainerOptions { Precision = precision }, objective: new SupervisedObjective { MixProbability = 0 });
        var loader = new DataLoader(data, new ToTensor(), new DataLoaderOptions { BatchSize = batchSize, DropLast = true });
        var clock = new BatchClock();
        trainer.Callbacks.Add(clock);
        var ours = new List<double>();
        var theirs = new List<double>();
        var retained = new List<long>();
        var theirPeaks = new List<double>();
        string referenceLine = "";
        for (int round = 0; round < rounds; round++)
        {
            clock.Reset();
            trainer.TrainEpoch(loader, cancellationToken);
            ours.Add(batches * batchSize / clock.SinceFirstBatch.TotalSeconds);
            retained.Add(RetainedMemory.Measure());   // with NativeHeap's settings glibc keeps freed memory until trimmed
            if (!withPyTorch) continue;
            var reference = PyTorchReference.TrainStep(name, batches, batchSize, trainer.Precision);   // alternating: both see the same machine state
            theirs.Add(reference.ImagesPerSecond);
            referenceLine = reference.Line;
            if (reference.PeakMiB is double peak) theirPeaks.Add(peak);
        }
        return new Result(ours, theirs, referenceLine, retained, theirPeaks);
    }

    /// <summary>Time from the end of the first batch to the end of the last.</summary>
    sealed class BatchClock : TrainingCallback
    {
        readonly System.Diagnostics.Stopwatch _clock = new();
        public TimeSpan SinceFirstBatch { get; private set; }
        public void Reset() => _clock.Reset();

        public override void OnBatchEnd(Trainer trainer, StepMetrics step)
        {
            if (step.Batch == 0) _clock.Restart();
            SinceFirstBatch = _clock.Elapsed;
        }
    }
}
