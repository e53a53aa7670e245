using System.Runtime.InteropServices;

namespace VisionLab.Core;

/// <summary>
/// glibc's malloc settings for libtorch's CPU tensors. By default glibc serves large blocks (a batch's activations, 1
/// to 30 MiB each) with fresh mmap'd pages or returns freed heap tops to the OS, so every training step faults the same
/// memory in again (page faults and zeroing): measured here, that made the ModernCNN step about 40 % slower, in
/// TorchSharp and in PyTorch alike (2026-11-27; 8 % on 2026-12-01, after the trainer's largest temporaries were
/// chunked). <see cref="Configure"/> keeps blocks up to 32 MiB on the heap and stops automatic trimming (what the
/// environment variables MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ do; PyTorch's CPU tuning advice gets a
/// similar effect by swapping in jemalloc or tcmalloc). <see cref="Trim"/> returns freed memory when the caller
/// chooses: the trainer after a step (<see cref="TrimAfterStep"/>) and once per epoch (<see cref="Training.RetainedMemory"/>).
/// </summary>
public static class NativeHeap
{
    const int TrimThresholdOption = -1, MmapThresholdOption = -3;   // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)
    /// <summary>glibc's largest mmap threshold on 64-bit (HEAP_MAX_SIZE / 2): blocks above it are still mmap'd.</summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;
    /// <summary>Set to 0 to leave glibc's defaults.</summary>
    public const string OptOutVariable = "VISIONLAB_MALLOC_TUNING";

    static readonly object Gate = new();
    static bool _configured;

    /// <summary>What <see cref="Configure"/> did, in a sentence for `visionlab info` and benchmarks.</summary>
    public static string Status { get; private set; } = "glibc malloc defaults (not configured)";

    /// <summary>True when this process runs with the settings above.</summary>
    public static bool Tuned { get; private set; }

    /// <summary>Applies the settings once per process, unless opted out or already set through glibc's environment variables.</summary>
    public static void Configure()
    {
        lock (Gate)
        {
            if (_configured) return;
            _configured = true;
            var decision = Decide(OperatingSystem.IsLinux(), Environment.GetEnvironmentVariable);
            if (decision is not null) { Status = decision; return; }
            try
            {
                Tuned = mallopt(MmapThresholdOption, MmapThresholdBytes) == 1 & mallopt(TrimThresholdOption, int.MaxValue) == 1;   // & : both, always
                Status = Tuned ? "glibc malloc tuned: blocks up to 32 MiB stay on the heap, no automatic trim"
                               : "glibc malloc defaults (mallopt refused the settings)";
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                Status = "malloc defaults (no glibc: e.g. musl)";
            }
        }
    }

    /// <summary>Why not to tune (a status line), or null to go ahead. Separate so it can be tested without touching the process.</summary>
    public static string? Decide(bool isLinux, Func<string, string?> environment)
    {
        if (!isLinux) return "malloc defaults (not Linux)";
        if (environment(OptOutVariable) == "0") return $"glibc malloc defaults ({OptOutVariable}=0)";
        if (environment("MALLOC_MMAP_THRESHOLD_") is not null || environment("MALLOC_TRIM_THRESHOLD_") is not null)
            return "glibc malloc as set by MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_";
        return null;
    }

    /// <summary>
    /// After a training step on the CPU, when this process runs with the settings above (glibc then trims nothing by
    /// itself): returns freed memory once the heap has crept <see cref="StepSlackBytes"/> past its level after a step
    /// (<see cref="HeapCreep"/>). ModernCNN at batch 128, trimmed only between epochs, peaked at 623–650 MiB; trimmed on
    /// creep, 595–627 MiB at 92 % of that speed; trimmed after every step, 571–589 MiB at 55 % (PyTorch 584–589).
    /// Measured: docs/performance-history.md.
    /// </summary>
    public static void TrimAfterStep()
    {
        if (!Tuned) return;
        long resident = ResidentBytes();
        lock (Gate)
        {
            StepsWatched++;
            if (!Creep.ShouldTrim(resident) || !Trim()) return;
            StepTrims++;
        }
    }

    /// <summary>How far past its level (see <see cref="HeapCreep"/>) the heap may creep before a step trims it.</summary>
    public const long StepSlackBytes = 32L << 20;

    static readonly HeapCreep Creep = new(StepSlackBytes);

    /// <summary>How many steps <see cref="TrimAfterStep"/> has looked at in this process.</summary>
    public static long StepsWatched { get; private set; }

    /// <summary>How many times <see cref="TrimAfterStep"/> trimmed the heap in this process.</summary>
    public static long StepTrims { get; private set; }

    /// <summary>This process's resident memory (/proc/self/statm: one small read, cheaper than <see cref="Environment.WorkingSet"/>'s).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }

    /// <summary>Returns freed heap memory to the OS (malloc_trim); false where there is no glibc (musl, Windows, macOS).</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { malloc_trim(0); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
        lock (Gate) Creep.Trimmed();   // whoever trimmed (a step, an epoch's end), the next step sets the level again
        return true;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);
}
