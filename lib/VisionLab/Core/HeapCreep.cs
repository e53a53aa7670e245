namespace VisionLab.Core;

/// <summary>
/// When to trim glibc's heap after a training step (<see cref="NativeHeap.TrimAfterStep"/>): once the resident memory
/// after a step has crept <see cref="SlackBytes"/> above its level after the first step since the last trim. A step's
/// freed blocks stay on the heap and the next step reuses them, so a steady heap is left alone; what grows is
/// fragmentation (blocks that no longer fit), and that is what a trim returns. Trimming after every step instead
/// halved the step's speed for a few percent of peak memory: each trim gives back the step's whole working set,
/// which the next step faults in again (docs/performance-history.md). Not thread-safe: <see cref="NativeHeap"/> locks.
/// </summary>
public sealed class HeapCreep(long slackBytes)
{
    long _level = -1;   // resident bytes after the first step since the last trim; -1: not seen yet

    /// <summary>How far above its level the heap may creep before a trim.</summary>
    public long SlackBytes { get; } = slackBytes > 0 ? slackBytes : throw new ArgumentOutOfRangeException(nameof(slackBytes), slackBytes, "must be positive");

    /// <summary>
    /// Reports the resident memory after a step; true when the heap should be trimmed now. Less than the level lowers it
    /// (memory given back elsewhere: a trim between epochs, an unmapped block), so the level never stays stale-high.
    /// </summary>
    public bool ShouldTrim(long residentBytes)
    {
        if (_level < 0 || residentBytes < _level) { _level = residentBytes; return false; }
        return residentBytes - _level >= SlackBytes;
    }

    /// <summary>After a trim: the next step sets the level again (it faults back in what it needs).</summary>
    public void Trimmed() => _level = -1;
}
