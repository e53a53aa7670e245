using TorchSharp;

namespace VisionLab.Core;

/// <summary>
/// Tensor handles this thread creates while an action runs. Each native operation that returns a tensor makes one
/// (in-place operations make none), so the count measures the host's work, e.g. in a training step. Per thread:
/// what other threads do meanwhile (a prefetching loader) is not counted.
/// </summary>
public static class TensorHandles
{
    public static long CreatedBy(Action action)
    {
        var statistics = DisposeScopeManager.Statistics;
        long before = statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        action();
        return statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount - before;
    }
}
