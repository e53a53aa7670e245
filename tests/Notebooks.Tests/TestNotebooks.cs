using System.Text.Json;

namespace Notebooks.Tests;

/// <summary>Builds small .ipynb files for testing the host itself.</summary>
public static class TestNotebooks
{
    public static string Bootstrap { get; } = Repository.Notebooks().Select(p => VisionLab.Notebooks.NotebookFile.CodeCells(p)[0].Source).First();

    public static string Make(IEnumerable<string> codeCells, bool withOutputs = false)
    {
        var cells = codeCells.Select(source => new Dictionary<string, object?>
        {
            ["cell_type"] = "code",
            ["execution_count"] = withOutputs ? 1 : null,
            ["metadata"] = new Dictionary<string, object>(),
            ["outputs"] = withOutputs
                ? new object[] { new Dictionary<string, object> { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = new[] { "old output\n" } } }
                : Array.Empty<object>(),
            ["source"] = source,
        });
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["cells"] = cells,
            ["metadata"] = new Dictionary<string, object> { ["kernelspec"] = new Dictionary<string, string> { ["name"] = ".net-csharp", ["language"] = "C#", ["display_name"] = ".NET (C#)" } },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        });
    }

    public const string Checks = """
        new VisionLab.Interactive.NotebookChecks("scratch").That("one plus one", 1 + 1 == 2).Verify()
        """;
}
