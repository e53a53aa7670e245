namespace VisionLab.Notebooks;

/// <summary>One output of a cell, by MIME type (text/plain, text/html, image/png, ...) or stream.</summary>
public sealed record CellOutput(string Kind, IReadOnlyDictionary<string, string> Data);

public sealed record CellResult(int Index, string FirstLine, TimeSpan Elapsed, IReadOnlyList<CellOutput> Outputs, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>The checks line a notebook's last cell prints (see VisionLab.Interactive.NotebookChecks).</summary>
public sealed record ChecksSummary(string Notebook, int Passed, int Failed);

public sealed record NotebookRunResult(
    string Path,
    IReadOnlyList<CellResult> Cells,
    int CodeCellCount,
    TimeSpan Elapsed,
    ChecksSummary? Checks,
    long LiveTensorsLeft,
    string? Failure)
{
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>"description: detail" of each failed check the notebook printed.</summary>
    public IReadOnlyList<string> FailedChecks { get; init; } = [];

    /// <summary>
    /// The reason of each part the notebook skipped on this machine, from the lines it printed as "SKIPPED: reason"
    /// (chapter 10's distributed run without torchrun). Its checks can still pass; the tutorial's summary names these.
    /// </summary>
    public IReadOnlyList<string> SkippedParts { get; init; } = [];

    /// <summary>What went wrong, in lines short enough for a summary: each failed check, or the failing cell's first line.</summary>
    public IReadOnlyList<string> FailureSummary()
    {
        if (FailedChecks.Count > 0) return FailedChecks.Select(c => "check failed: " + c).ToList();
        if (Failure is null) return Checks is { Passed: > 0 } ? [] : ["no checks ran"];
        var first = Failure.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[0];
        return [first.Length > 240 ? first[..237] + "..." : first];
    }
    public bool Succeeded => Failure is null;

    public IEnumerable<CellOutput> AllOutputs => Cells.SelectMany(c => c.Outputs);

    /// <summary>True when some cell produced this MIME type and its content satisfies the predicate.</summary>
    public bool Produced(string mimeType, Func<string, bool>? predicate = null) =>
        AllOutputs.Any(o => o.Data.TryGetValue(mimeType, out var value) && (predicate?.Invoke(value) ?? true));
}

/// <summary>Progress while a notebook runs: the cell about to run.</summary>
public sealed record CellProgress(string Notebook, int CellIndex, int CodeCellNumber, int CodeCellCount, string FirstLine);
