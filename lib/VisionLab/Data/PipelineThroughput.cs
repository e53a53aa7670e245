using System.Diagnostics;

namespace VisionLab.Data;

/// <summary>Images per second a loader delivers (the batches are built and disposed, nothing else).</summary>
public static class PipelineThroughput
{
    public sealed record Result(int Images, TimeSpan Elapsed, int Workers)
    {
        public double ImagesPerSecond => Images / Elapsed.TotalSeconds;
    }

    /// <summary>Runs one epoch (or its first <paramref name="maxBatches"/> batches) after one warm-up batch.</summary>
    public static Result Measure(DataLoader loader, int epoch = 0, int? maxBatches = null, CancellationToken cancellationToken = default)
    {
        foreach (var warmUp in loader.Epoch(epoch + 1000, cancellationToken: cancellationToken)) { warmUp.Dispose(); break; }
        var clock = Stopwatch.StartNew();
        int images = 0, batches = 0;
        foreach (var batch in loader.Epoch(epoch, cancellationToken: cancellationToken))
        {
            images += batch.Count;
            batch.Dispose();
            if (++batches == maxBatches) break;
        }
        return new Result(images, clock.Elapsed, loader.Options.Workers);
    }
}
