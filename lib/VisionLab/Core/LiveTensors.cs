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
}
