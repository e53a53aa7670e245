namespace VisionLab.Data;

/// <summary>Where the repository's data/ folder is: VISIONLAB_DATA, else found above the working directory or the library.</summary>
public static class DataLocations
{
    public const string EnvironmentVariable = "VISIONLAB_DATA";

    /// <summary>The data folder (bundled datasets; downloads go to its cache/ subfolder).</summary>
    public static string Root => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : FindRepositoryData() ?? throw new DirectoryNotFoundException(
            $"No data folder found: run from inside the VisionLab repository or set {EnvironmentVariable} to a folder for datasets.");

    /// <summary>Downloads and extracted archives (git-ignored).</summary>
    public static string Cache => Path.Combine(Root, "cache");

    static string? FindRepositoryData()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, Path.GetDirectoryName(typeof(DataLocations).Assembly.Location) ?? "" })
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Notebooks.sln")) && Directory.Exists(Path.Combine(dir.FullName, "data")))
                    return Path.Combine(dir.FullName, "data");
        return null;
    }
}
