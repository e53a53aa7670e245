using VisionLab.Notebooks;

namespace Notebooks.Tests;

/// <summary>What "a notebook passes" means: more than "no exception".</summary>
public static class NotebookAssertions
{
    public static void Passed(NotebookRunResult result)
    {
        var problems = Problems(result);
        if (problems.Count > 0)
            throw new Xunit.Sdk.XunitException($"{result.Name}: " + string.Join(Environment.NewLine + "  ", problems));
    }

    public static List<string> Problems(NotebookRunResult result)
    {
        var problems = new List<string>();
        var dirty = NotebookFile.CellsWithCommittedOutputs(result.Path);
        if (dirty.Count > 0)
            problems.Add($"committed with outputs in cell(s) {string.Join(", ", dirty)}: clear outputs before committing.");
        if (result.Failure is not null) problems.Add(result.Failure);
        else if (result.Cells.Count != result.CodeCellCount) problems.Add($"ran {result.Cells.Count} of {result.CodeCellCount} code cells.");
        if (result.Checks is null) problems.Add("no checks line: the last cell must call NotebookChecks.Verify().");
        else
        {
            if (result.Checks.Passed == 0) problems.Add("its checks checked nothing.");
            if (result.Checks.Failed > 0) problems.Add($"{result.Checks.Failed} check(s) failed.");
        }
        if (result.LiveTensorsLeft != 0)
            problems.Add($"{result.LiveTensorsLeft} tensor(s) still alive after the notebook: dispose what it created.");
        return problems;
    }
}
