using System.Runtime.InteropServices;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

[Collection(GarbageCollectingTests.Name)]
public sealed class MemoryTests
{
    [Fact]
    public void Process_memory_is_flat_after_the_second_epoch()
    {
        var data = new SyntheticShapes(512, seed: 0);
        manual_seed(0);
        using var model = new ModernCNN(6);
        using var trainer = new Trainer(model, new TrainerOptions());
        trainer.Callbacks.Add(new RetainedMemory());
        // Batches built on this thread (Workers = 0): worker threads that the thread pool adds under load each get their
        // own glibc arena, whose freed memory a trim cannot fully return, and that drift (+3.7 to +3.9 % from the third
        // epoch to the last, twice, with CI's other test assembly and a notebook run beside it) is not the trainer's.
        var loader = new DataLoader(data, GuidePipeline.Train(data.Format), new DataLoaderOptions { BatchSize = 64, Workers = 0 });
        var history = trainer.Fit(loader, loader, epochs: 6);
        Assert.All(history, h => Assert.True(h.ProcessMemoryBytes > 0));
        var mib = history.Select(h => h.RetainedMemoryBytes!.Value / 1048576.0).ToList();
        var seen = $"resident memory per epoch after a collection (MiB): {string.Join(", ", mib.Select(x => x.ToString("F0")))}";
        // The first two epochs warm up (allocator pools, oneDNN's primitive cache); the figure can dip between them:
        // 459, 409, then 441-448 under ONEDNN_MAX_CPU_ISA=AVX2 (2026-11-30), where "at most the second epoch's + 5 %"
        // failed with nothing retained. A leak is growth that goes on: later epochs stay within 5 % of the warm-up's
        // peak, and from the third epoch to the last grow by at most 3 % (seen 1.6 %; a leak of one batch per step,
        // 6 MiB an epoch here, would add 4 %).
        double warmUpPeak = Math.Max(mib[0], mib[1]);
        Assert.All(mib.Skip(2), m => Assert.True(m <= warmUpPeak * 1.05, seen));
        Assert.True(mib[^1] - mib[2] <= 0.03 * mib[2], seen);
    }

    [Fact]
    public void The_trainer_watches_the_heap_after_each_cpu_step()
    {
        var data = new SyntheticShapes(384, seed: 0);
        manual_seed(0);
        using var trainer = new Trainer(new ModernCNN(6), new TrainerOptions(), device: CPU);
        long before = NativeHeap.StepsWatched;
        trainer.TrainEpoch(new DataLoader(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 128, Workers = 0 }));
        // Tuned, glibc keeps every freed block until asked; with its defaults it trims by itself and the trainer does not look.
        Assert.Equal(NativeHeap.Tuned ? before + 3 : before, NativeHeap.StepsWatched);
    }

    [Fact]
    public void A_heap_that_crept_past_its_slack_is_trimmed()
    {
        NativeHeap.Configure();          // as the trainer does
        if (!NativeHeap.Tuned) return;   // untuned, glibc returns freed memory by itself
        // Blocks of 1 MiB stay on the heap when freed, as a fragmented step's leftovers do. A first round warms libtorch
        // up; earlier tests' tensors are finalized and a trim gives everything back (and resets the level), so that the
        // rounds below take fresh pages (blocks freed in between would be reused); the first look sets the level.
        FreeOnTheHeap(96);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(NativeHeap.Trim());
        NativeHeap.TrimAfterStep();
        long trims = NativeHeap.StepTrims;
        FreeOnTheHeap(8);   // a steady step's few MiB: left alone
        NativeHeap.TrimAfterStep();
        Assert.Equal(trims, NativeHeap.StepTrims);
        FreeOnTheHeap(96);
        NativeHeap.TrimAfterStep();
        Assert.Equal(trims + 1, NativeHeap.StepTrims);

        static void FreeOnTheHeap(int mebibytes)
        {
            var blocks = Enumerable.Range(0, mebibytes).Select(_ => rand(256 * 1024)).ToList();
            foreach (var block in blocks) block.Dispose();
        }
    }

    [Fact]
    public void The_heap_is_trimmed_once_it_creeps_past_its_level_after_a_step()
    {
        const long MiB = 1L << 20;
        var creep = new HeapCreep(32 * MiB);
        // Resident memory after successive ModernCNN steps, batch 128 (bench train, 2026-12-01): the first step sets the
        // level, the heap reuses what steps free and creeps as it fragments.
        Assert.False(creep.ShouldTrim(528 * MiB));
        Assert.False(creep.ShouldTrim(536 * MiB));
        Assert.False(creep.ShouldTrim(553 * MiB));
        Assert.True(creep.ShouldTrim(583 * MiB));    // 55 MiB past the level
        creep.Trimmed();
        Assert.False(creep.ShouldTrim(546 * MiB));   // the next step sets the level again
        Assert.False(creep.ShouldTrim(557 * MiB));
        Assert.False(creep.ShouldTrim(420 * MiB));   // memory given back elsewhere (an unmapped block) lowers the level
        Assert.True(creep.ShouldTrim(452 * MiB));
        var small = new HeapCreep(32 * MiB);         // the host-cost stand-in's steps leave a few MiB: never trimmed
        Assert.All(new long[] { 300, 302, 305, 303, 306 }, r => Assert.False(small.ShouldTrim(r * MiB)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeapCreep(0));
    }

    [Fact]
    public void Packing_parameters_frees_the_storage_they_had()
    {
        if (!OperatingSystem.IsLinux()) return;   // glibc's mallinfo2 counts the native allocations
        // A Conv2d with a bias leaves a view of its weight to the finalizer (made while initialising the bias), which
        // keeps the weight's first storage alive after packing re-points the weight: without the group's collection the
        // packing added 18.1 MiB here (old weight, values, gradients), with it 9.2 MiB.
        using var conv = nn.Conv2d(512, 512, 3);
        long weightBytes = conv.weight.numel() * sizeof(float);   // 9 MiB
        long before = NativeAllocatedBytes();
        using var group = new FlatParameterGroup(conv.parameters().ToList());
        long grown = NativeAllocatedBytes() - before;
        Assert.True(grown < 1.5 * weightBytes, $"packing added {grown / 1048576.0:F1} MiB for a {weightBytes / 1048576.0:F1} MiB weight");
    }

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2 { public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost; }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    static extern MallInfo2 MallInfo();

    /// <summary>Bytes the process's malloc has handed out and not had back: heap blocks in use plus mapped ones.</summary>
    static long NativeAllocatedBytes()
    {
        var info = MallInfo();
        return (long)(info.UordBlks + info.HBlkHd);
    }

    [Fact]
    public void The_native_heap_trim_reaches_glibc_on_linux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.Trim());
        Assert.True(RetainedMemory.Measure(trimNativeHeap: true) > 0);
    }
}
