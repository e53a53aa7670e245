using System.Globalization;

namespace VisionLab.Core;

/// <summary>
/// The seed a notebook trains with: 0 unless VISIONLAB_SEED (set by `tutorial --seed`) names another. The data sets keep
/// their own seeds, so another run seed retrains the same experiment from other initial weights and batch orders: what
/// measuring a check's spread over seeds needs (tests/numerics/notebook-spread.sh).
/// </summary>
public static class RunSeed
{
    public const string EnvironmentVariable = "VISIONLAB_SEED";

    /// <summary>The seed named by VISIONLAB_SEED; 0 when unset.</summary>
    public static int Current => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static int Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return 0;
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seed)) return seed;
        throw new ArgumentException($"{EnvironmentVariable}='{text}' is not a seed: use a whole number from 0 to {int.MaxValue}.");
    }
}
