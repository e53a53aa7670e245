namespace VisionLab.Core;

/// <summary>
/// Every generator the library derives from a run's seed, in one place: the epoch's shuffle (data loader), one
/// generator per image for augmentation (data loader, galleries) and one per batch for mixing (trainer). The same
/// (seed, epoch, index) gives the same draws on any machine, thread or worker count, which is what makes augmented
/// runs and resumed checkpoints repeat exactly.
/// </summary>
public static class Seeds
{
    /// <summary>A generator for one image of one epoch.</summary>
    public static Random ForItem(int seed, int epoch, int index) => new(unchecked((int)Mix((ulong)(uint)seed, (ulong)(uint)epoch, (ulong)(uint)index)));

    /// <summary>A generator for one batch of one epoch (the trainer's MixUp/CutMix draws); never equal to an image's.</summary>
    public static Random ForBatch(int seed, int epoch, int batch) => ForItem(seed, epoch, -1 - batch);

    /// <summary>The generator that shuffles an epoch's order.</summary>
    public static Random ForShuffle(int seed, int epoch) => new(unchecked((int)Mix((ulong)(uint)seed, (ulong)(uint)epoch, 0x5eed)));

    /// <summary>SplitMix64 over the values: nearby inputs give unrelated seeds.</summary>
    public static ulong Mix(params ulong[] values)
    {
        ulong h = 0x9E3779B97F4A7C15;
        foreach (var v in values)
        {
            h ^= v + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EB;
            h ^= h >> 31;
        }
        return h;
    }
}
