using static TorchSharp.torch;

namespace VisionLab.SelfSupervised;

/// <summary>
/// SimCLR's normalized temperature-scaled cross-entropy (Chen et al. 2020, eq. 1), averaged over all 2N anchors.
/// Each embedding's positive is the other view of its image; the other 2N - 2 embeddings are its negatives; its
/// similarity with itself is excluded. (The guide's contrastive_loss labels that self-similarity as the positive
/// for the first N rows: docs/guide-errata.md, erratum 4.)
/// </summary>
public static class NtXent
{
    /// <summary>The loss for projections of the first views <paramref name="z1"/> [N, D] and second views <paramref name="z2"/> [N, D].</summary>
    public static Tensor Loss(Tensor z1, Tensor z2, double temperature = 0.5)
    {
        using var scope = NewDisposeScope();
        var (logits, targets) = Logits(z1, z2, temperature);
        return nn.functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>How many of the 2N anchors rank their positive above every negative (SimCLR's "contrastive accuracy").</summary>
    public static long PositivesRankedFirst(Tensor z1, Tensor z2, double temperature = 0.5)
    {
        using var count = PositivesRankedFirstOnDevice(z1, z2, temperature);
        return count.item<long>();
    }

    /// <summary>The same count as a 0-dim int64 tensor where the embeddings are: no read-back (the trainer's per-step metric).</summary>
    public static Tensor PositivesRankedFirstOnDevice(Tensor z1, Tensor z2, double temperature = 0.5)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (logits, targets) = Logits(z1, z2, temperature);
        return logits.argmax(1).eq(targets).sum().MoveToOuterDisposeScope();
    }

    /// <summary>Similarities / T with the diagonal masked out [2N, 2N], and each row's positive column [2N].</summary>
    public static (Tensor Logits, Tensor Targets) Logits(Tensor z1, Tensor z2, double temperature)
    {
        if (z1.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException($"NT-Xent needs two projection batches of one shape [N, D]; got [{string.Join(", ", z1.shape)}] and [{string.Join(", ", z2.shape)}].");
        if (z1.shape[0] < 2) throw new ArgumentException("NT-Xent needs at least two images per batch: the other images are the negatives.");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), $"The temperature must be positive; got {temperature}.");
        long n = z1.shape[0];
        using var scope = NewDisposeScope();
        var z = nn.functional.normalize(cat(new[] { z1, z2 }), dim: 1);
        var logits = z.mm(z.t()).div(temperature);
        using var self = eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, double.NegativeInfinity);
        var targets = cat(new[] { arange(n, 2 * n, dtype: ScalarType.Int64, device: z.device), arange(0, n, dtype: ScalarType.Int64, device: z.device) });
        return (logits.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }
}
