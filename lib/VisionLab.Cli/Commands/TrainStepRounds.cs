using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Core;
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
    /// <param name="HandlesPerStep">Tensor handles the training thread created per step: each native operation that
    /// returns a tensor makes one (in-place operations make none), so it counts the host's work.</param>
    public sealed record Result(List<double> Ours, List<double> Theirs, string ReferenceLine, List<long> RetainedBytes, List<double> TheirPeakMiB, double HandlesPerStep, int? TheirOperations);

    /// <summary>The models the benchmark trains: the catalog's, and the host-cost stand-ins (the -tiny names).</summary>
    public static nn.Module<Tensor, Tensor> CreateModel(string name) => name switch
    {
        // Same layers, tensors and operations as the guide's models at a negligible width: the step's time is the
        // host's (issuing operations), as on a GPU where the kernels take microseconds.
        "modern-cnn-tiny" => new ModernCNN(10, width: 4),
        "vit-32-tiny" => new VisionTransformer(imgSize: 32, patchSize: 4, numClasses: 10, embedDim: 12, depth: 6, numHeads: 3),
        _ => ModelCatalog.Create(name, 10),
    };

    /// <param name="precision">Float32 everywhere (the default), or Float16/BFloat16 on CUDA, where the reference uses the guide's autocast.</param>
    /// <remarks>
    /// The host-cost stand-ins (-tiny) run with one libtorch thread on both sides: on a GPU one host thread issues the
    /// operations and the CPU's intra-op threads take no part, and with 2 cores their wake-ups decided the timing.
    /// </remarks>
    public static Result Measure(string name, int batchSize, int batches, int rounds, bool withPyTorch, CancellationToken cancellationToken,
        Precision precision = Precision.Float32)
    {
        int threads = get_num_threads();
        if (name.EndsWith("-tiny", StringComparison.Ordinal)) set_num_threads(1);
        try
        {
            return MeasureRounds(name, batchSize, batches, rounds, withPyTorch, cancellationToken, precision);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    static Result MeasureRounds(string name, int batchSize, int batches, int rounds, bool withPyTorch, CancellationToken cancellationToken, Precision precision)
    {
        var random = new Random(0);
        var pixels = new byte[batchSize * (batches + 1) * 3 * 32 * 32];
        random.NextBytes(pixels);
        var data = new InMemoryImageDataset(pixels, Enumerable.Range(0, batchSize * (batches + 1)).Select(i => i % 10).ToArray(), 3, 32, 32, Cifar10.Classes);
        manual_seed(0);
        using var network = CreateModel(name);
        using var trainer = new Trainer(network, new TrainerOptions { Precision = precision }, objective: new SupervisedObjective { MixProbability = 0 });
        var loader = new DataLoader(data, new ToTensor(), new DataLoaderOptions { BatchSize = batchSize, DropLast = true });
        var clock = new BatchClock();
        trainer.Callbacks.Add(clock);
        var ours = new List<double>();
        var theirs = new List<double>();
        var retained = new List<long>();
        var theirPeaks = new List<double>();
        string referenceLine = "";
        int? theirOperations = null;
        long handles = 0;   // this thread's: the loader's workers are not counted
        for (int round = 0; round < rounds; round++)
        {
            clock.Reset();
            handles += TensorHandles.CreatedBy(() => trainer.TrainEpoch(loader, cancellationToken));
            ours.Add(batches * batchSize / clock.SinceFirstBatch.TotalSeconds);
            retained.Add(RetainedMemory.Measure());   // with NativeHeap's settings glibc keeps freed memory until trimmed
            if (!withPyTorch) continue;
            var reference = PyTorchReference.TrainStep(name, batches, batchSize, trainer.Precision);   // alternating: both see the same machine state
            theirs.Add(reference.ImagesPerSecond);
            referenceLine = reference.Line;
            if (reference.PeakMiB is double peak) theirPeaks.Add(peak);
            theirOperations = reference.Operations;
        }
        return new Result(ours, theirs, referenceLine, retained, theirPeaks, handles / (double)(rounds * (batches + 1)), theirOperations);
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
