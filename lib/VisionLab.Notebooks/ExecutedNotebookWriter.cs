using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionLab.Notebooks;

/// <summary>Writes a copy of a notebook with the outputs of a run, in nbformat 4, as Jupyter would save it.</summary>
public static class ExecutedNotebookWriter
{
    public static void Write(NotebookRunResult run, string destination)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(run.Path))!;
        var cells = notebook["cells"]!.AsArray();
        var byIndex = run.Cells.ToDictionary(c => c.Index);
        int executionCount = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!;
            if ((string?)cell["cell_type"] != "code") continue;
            if (!byIndex.TryGetValue(i, out var result))
            {
                cell["outputs"] = new JsonArray();
                cell["execution_count"] = null;
                continue;
            }
            executionCount++;
            var outputs = new JsonArray();
            foreach (var output in result.Outputs) outputs.Add(ToJson(output, executionCount));
            if (result.Error is not null)
                outputs.Add(new JsonObject
                {
                    ["output_type"] = "error",
                    ["ename"] = "Error",
                    ["evalue"] = result.Error,
                    ["traceback"] = new JsonArray(result.Error),
                });
            cell["outputs"] = outputs;
            cell["execution_count"] = executionCount;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        // The library's temporary-file pattern (VisionLab.Core.AtomicFile), which the run folder's clean-up recognises.
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.0.visionlab-tmp");
        File.WriteAllText(temporary, notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, destination, overwrite: true);
    }

    static JsonObject ToJson(CellOutput output, int executionCount)
    {
        if (output.Kind.StartsWith("stream:", StringComparison.Ordinal))
            return new JsonObject
            {
                ["output_type"] = "stream",
                ["name"] = output.Kind["stream:".Length..],
                ["text"] = output.Data["text/plain"],
            };
        var data = new JsonObject();
        foreach (var (mime, value) in output.Data) data[mime] = IsJson(mime) ? ParseOrKeep(value) : value;
        var json = new JsonObject { ["output_type"] = output.Kind, ["data"] = data, ["metadata"] = new JsonObject() };
        if (output.Kind == "execute_result") json["execution_count"] = executionCount;
        return json;
    }

    /// <summary>nbformat stores JSON MIME types (application/json, application/vnd.plotly.v1+json) as JSON, not text.</summary>
    public static bool IsJson(string mimeType) =>
        mimeType == "application/json" || (mimeType.StartsWith("application/", StringComparison.Ordinal) && mimeType.EndsWith("+json", StringComparison.Ordinal));

    static JsonNode? ParseOrKeep(string value)
    {
        try { return JsonNode.Parse(value); }
        catch (JsonException) { return JsonValue.Create(value); }
    }
}
