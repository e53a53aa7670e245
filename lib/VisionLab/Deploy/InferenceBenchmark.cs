using System.Diagnostics;
using VisionLab.Data;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Deploy;

/// <summary>Images/s of one inference engine at one batch size: the median over timed repetitions, after warm-up.</summary>
public sealed record InferenceTiming(string Engine, int BatchSize, double ImagesPerSecond, double MillisecondsPerBatch, IReadOnlyList<double> Samples);

/// <summary>
/// Inference speed and accuracy of any engine given as a function from a batch to logits (TorchSharp model,
/// ONNX Runtime fp32 or INT8), measured the same way for all: the same inputs, warm-up, then timed repetitions.
/// </summary>
public static class InferenceBenchmark
{
    public static InferenceTiming Time(string engine, Func<Tensor, Tensor> run, Tensor batch, int repetitions = 20, int warmup = 3)
    {
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), "Time at least one repetition.");
        for (int i = 0; i < warmup; i++) run(batch).Dispose();
        var samples = new List<double>();
        for (int i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            run(batch).Dispose();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        double median = samples.Order().ElementAt(samples.Count / 2);
        return new InferenceTiming(engine, (int)batch.shape[0], batch.shape[0] * 1000.0 / median, median, samples);
    }

    /// <summary>Top-1 accuracy of an engine on a labelled loader (no augmentation).</summary>
    public static double Accuracy(Func<Tensor, Tensor> run, DataLoader loader, CancellationToken cancellationToken = default)
    {
        long correct = 0, seen = 0;
        EvaluationPass.Run(loader, model: null, device: null, batch =>
        {
            correct += run(batch.Images).argmax(1).cpu().eq(batch.Labels).sum().item<long>();
            seen += batch.Count;
        }, cancellationToken);
        return (double)correct / seen;
    }
}
