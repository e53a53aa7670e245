namespace VisionLab.Augmentation;

/// <summary>Random draws the transforms and mixes need beyond System.Random (the generators come from <see cref="Core.Seeds"/>).</summary>
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
}
