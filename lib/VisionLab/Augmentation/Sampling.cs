namespace VisionLab.Augmentation;

/// <summary>Random draws the transforms need beyond System.Random, and per-image seeding.</summary>
public static class Sampling
{
    /// <summary>A Beta(a, b) draw from two Gamma draws.</summary>
    public static double Beta(Random random, double a, double b)
    {
        double x = Gamma(random, a), y = Gamma(random, b);
        return x / (x + y);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 by boosting.</summary>
    public static double Gamma(Random random, double shape)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape), "Gamma shape must be positive.");
        if (shape < 1) return Gamma(random, shape + 1) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(random); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    public static double Normal(Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A generator for one image of one epoch: the same (seed, epoch, index) always gives the same draws.</summary>
    public static Random ForItem(int seed, int epoch, int index) => new(unchecked((int)Mix((ulong)(uint)seed, (ulong)(uint)epoch, (ulong)(uint)index)));

    /// <summary>SplitMix64 over the three values: nearby inputs give unrelated seeds.</summary>
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
