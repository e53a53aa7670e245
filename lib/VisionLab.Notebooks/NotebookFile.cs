using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionLab.Notebooks;

/// <summary>Facts about an .ipynb file read straight from its JSON.</summary>
public static class NotebookFile
{
    /// <summary>Indices of code cells committed with outputs or an execution count.</summary>
    public static IReadOnlyList<int> CellsWithCommittedOutputs(string path)
    {
        var cells = Load(path)["cells"]?.AsArray() ?? throw new InvalidDataException($"{path}: no 'cells' array.");
        var dirty = new List<int>();
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!;
            if ((string?)cell["cell_type"] != "code") continue;
            bool hasOutputs = cell["outputs"] is JsonArray outputs && outputs.Count > 0;
            bool hasCount = cell["execution_count"] is JsonValue v && v.GetValueKind() != JsonValueKind.Null;
            if (hasOutputs || hasCount) dirty.Add(i);
        }
        return dirty;
    }

    /// <summary>The source of each code cell, in order, with its index among all cells.</summary>
    public static IReadOnlyList<(int Index, string Source)> CodeCells(string path) => Cells(path, "code");

    /// <summary>The source of each markdown cell, in order, with its index among all cells.</summary>
    public static IReadOnlyList<(int Index, string Source)> MarkdownCells(string path) => Cells(path, "markdown");

    static List<(int Index, string Source)> Cells(string path, string type)
    {
        var cells = Load(path)["cells"]?.AsArray() ?? throw new InvalidDataException($"{path}: no 'cells' array.");
        var found = new List<(int, string)>();
        for (int i = 0; i < cells.Count; i++)
            if ((string?)cells[i]!["cell_type"] == type) found.Add((i, Source(cells[i]!["source"])));
        return found;
    }

    /// <summary>nbformat's multiline string: one string or an array of lines.</summary>
    internal static string Source(JsonNode? source) => source switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };

    static JsonNode Load(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty notebook.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid .ipynb (JSON error: {e.Message}).", e);
        }
    }

    public static string FirstLine(string source)
    {
        foreach (var line in source.Split('\n'))
            if (line.Trim() is { Length: > 0 } t && !t.StartsWith("#!", StringComparison.Ordinal) && !t.StartsWith("//", StringComparison.Ordinal))
                return t.Length > 80 ? t[..77] + "..." : t;
        return source.Split('\n')[0].Trim();
    }
}
