using TorchSharp;

namespace VisionLab.Core;

/// <summary>Counts TorchSharp tensors that are still alive, across all threads.</summary>
public static class LiveTensors
{
    /// <summary>
    /// Tensors created and not yet disposed. Collects garbage first, so tensors nobody references
    /// any more (finalized by the GC) do not count: what remains is held by someone.
    /// </summary>
    public static long Count(bool collectGarbage = true)
    {
        if (collectGarbage)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        return torch.Tensor.TotalCount;
    }

    /// <summary>
    /// Tensors alive beyond <paramref name="baseline"/> once the process has settled: counts (collecting garbage each
    /// time) until the count is at most the baseline or <paramref name="patience"/> has passed. Tensors that other
    /// threads create and free meanwhile (a prefetching loader, a formatter) are not leaks; a leak stays. Returns the
    /// last excess and every count seen, for the error message.
    /// </summary>
    public static (long Excess, IReadOnlyList<long> Seen) ExcessOver(long baseline, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(3));
        var seen = new List<long>();
        while (true)
        {
            long excess = Count() - baseline;
            seen.Add(excess);
            if (excess <= 0 || DateTime.UtcNow >= deadline) return (excess, seen);
            Thread.Sleep(250);
        }
    }
}
