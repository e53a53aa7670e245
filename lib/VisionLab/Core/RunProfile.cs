namespace VisionLab.Core;

/// <summary>How much work a notebook or command does: CI uses Smoke, the tutorial Default.</summary>
public enum RunProfile { Smoke, Default, Full }

public static class RunProfiles
{
    public const string EnvironmentVariable = "VISIONLAB_PROFILE";

    /// <summary>The profile named by VISIONLAB_PROFILE (smoke, default or full); Default when unset.</summary>
    public static RunProfile Current => Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));

    public static RunProfile Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "default" => RunProfile.Default,
        "smoke" => RunProfile.Smoke,
        "full" => RunProfile.Full,
        _ => throw new ArgumentException($"{EnvironmentVariable}='{name}' is not a profile: use smoke, default or full."),
    };

    /// <summary>Picks the value for the current profile: smoke for CI, default for the tutorial, full for the real thing.</summary>
    public static T Choose<T>(this RunProfile profile, T smoke, T @default, T full) =>
        profile switch { RunProfile.Smoke => smoke, RunProfile.Full => full, _ => @default };
}
