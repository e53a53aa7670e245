namespace Notebooks.Tests;

/// <summary>Paths in the repository this test assembly was built from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();
    public static string NotebooksFolder => Path.Combine(Root, "notebooks");

    public static string SolutionsFolder => Path.Combine(NotebooksFolder, "solutions");

    public static IEnumerable<string> Notebooks() =>
        Directory.EnumerateFiles(NotebooksFolder, "*.ipynb").OrderBy(p => p, StringComparer.Ordinal);

    /// <summary>The worked solutions to the chapters' exercises, <c>notebooks/solutions/NN-name-solutions.ipynb</c>.</summary>
    public static IEnumerable<string> Solutions() =>
        Directory.Exists(SolutionsFolder) ? Directory.EnumerateFiles(SolutionsFolder, "*.ipynb").OrderBy(p => p, StringComparer.Ordinal) : [];

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Notebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Notebooks.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>A scratch folder at the depth of notebooks/ (so "../lib" resolves), removed on dispose.</summary>
    public sealed class ScratchFolder : IDisposable
    {
        public ScratchFolder(int depth = 1)
        {
            var top = Path.Combine(Root, $".scratch-{Guid.NewGuid():N}");
            Top = top;
            Path_ = top;
            for (int i = 1; i < depth; i++) Path_ = System.IO.Path.Combine(Path_, "nested");
            Directory.CreateDirectory(Path_);
        }

        string Top { get; }
        string Path_ { get; }
        public string Folder => Path_;

        public string Write(string fileName, string content)
        {
            var path = System.IO.Path.Combine(Path_, fileName);
            File.WriteAllText(path, content);
            return path;
        }

        public void Dispose()
        {
            try { Directory.Delete(Top, recursive: true); } catch (IOException) { }
        }
    }
}
