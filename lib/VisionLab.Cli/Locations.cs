namespace VisionLab.Cli;

/// <summary>Where the repository's notebooks and data are, found from the working directory or this program.</summary>
public static class Locations
{
    public static string Root { get; } = Find();
    public static string Notebooks => Path.Combine(Root, "notebooks");
    /// <summary>The worked solutions to the chapters' exercises, one notebook per chapter, named by its number.</summary>
    public static string Solutions => Path.Combine(Notebooks, "solutions");

    static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Notebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run visionlab from inside the VisionLab repository (no Notebooks.sln found above the working directory).");
    }
}
