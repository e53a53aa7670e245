using System.Globalization;
using System.Net;
using System.Text;
using VisionLab.Core;

namespace VisionLab.Interactive;

/// <summary>
/// The checks a notebook ends with. <see cref="Verify"/> prints one machine-readable line that the
/// test host asserts, shows a table, and throws when any check failed, so Jupyter fails too.
/// </summary>
public sealed class NotebookChecks
{
    public const string Marker = "[visionlab-checks]";
    /// <summary>Starts one line per failed check, "description: detail", that hosts can quote (the tutorial's summary).</summary>
    public const string FailedMarker = "[visionlab-check-failed]";
    readonly List<CheckResult> _results = new();

    public NotebookChecks(string notebook) => Notebook = notebook;

    public string Notebook { get; }
    public IReadOnlyList<CheckResult> Results => _results;

    public NotebookChecks That(string description, bool condition, string? detail = null)
    {
        _results.Add(new CheckResult(description, condition, detail ?? (condition ? "" : "condition was false")));
        return this;
    }

    public NotebookChecks Equal<T>(string description, T expected, T actual) =>
        That(description, EqualityComparer<T>.Default.Equals(expected, actual), $"expected {expected}, got {actual}");

    public NotebookChecks AtLeast(string description, double actual, double floor) =>
        That(description, actual >= floor, string.Create(CultureInfo.InvariantCulture, $"{actual:G6} (floor {floor:G6})"));

    /// <summary>
    /// A statistic that has a floor in some profiles only. Where <paramref name="floor"/> is null (a profile that trains
    /// too little for the statistic to mean anything) the value is shown, marked as not asserted, and does not count as a
    /// passed check: a floor at chance would look like a check and catch nothing.
    /// </summary>
    public NotebookChecks AtLeast(string description, double actual, double? floor)
    {
        if (floor is double f) return AtLeast(description, actual, f);
        _results.Add(new CheckResult(description, true, string.Create(CultureInfo.InvariantCulture, $"{actual:G6} (no floor in this profile)")) { Asserted = false });
        return this;
    }

    public NotebookChecks Near(string description, double expected, double actual, double tolerance) =>
        That(description, Math.Abs(expected - actual) <= tolerance,
            string.Create(CultureInfo.InvariantCulture, $"expected {expected:G6} ± {tolerance:G3}, got {actual:G6}"));

    /// <summary>
    /// Call in a cell of its own, after disposing what the notebook holds: temporaries of the current
    /// cell are still referenced while it runs. Adds the tensor-leak check (everything the notebook created is disposed), prints the marker
    /// line, and throws <see cref="NotebookChecksFailedException"/> if anything failed.
    /// </summary>
    public NotebookChecks Verify()
    {
        var (live, seen) = LiveTensors.ExcessOver(NotebookSetup.TensorBaseline);
        That("every tensor the notebook created is disposed", live <= 0,
            (seen.Count == 1 ? $"{live} tensor(s) still alive" : $"{live} tensor(s) still alive after {seen.Count} counts ({string.Join(", ", seen)})") +
            (live > 0 ? "; dispose what the notebook holds, and keep models in notebook variables (docs/notebooks.md)" : ""));
        int failed = _results.Count(r => !r.Passed), measuredOnly = _results.Count(r => !r.Asserted);
        foreach (var r in _results.Where(r => !r.Passed))
            Console.WriteLine($"{FailedMarker} {OneLine(r.Description)}: {OneLine(r.Detail)}");
        Console.WriteLine($"{Marker} notebook={Notebook} passed={_results.Count - failed - measuredOnly} failed={failed}");
        if (failed > 0)
            throw new NotebookChecksFailedException(
                $"{failed} of {_results.Count} checks failed in {Notebook}: " +
                string.Join("; ", _results.Where(r => !r.Passed).Select(r => $"{r.Description} ({r.Detail})")));
        return this;
    }

    static string OneLine(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    public string ToHtml()
    {
        var html = new StringBuilder("<table><tr><th>check</th><th>result</th><th>detail</th></tr>");
        foreach (var r in _results)
            html.Append($"<tr><td>{WebUtility.HtmlEncode(r.Description)}</td><td>{Status(r)}</td><td>{WebUtility.HtmlEncode(r.Detail)}</td></tr>");
        return html.Append("</table>").ToString();
    }

    static string Status(CheckResult r) => !r.Asserted ? "– measured" : r.Passed ? "✔ pass" : "✘ FAIL";

    public override string ToString() =>
        string.Join(Environment.NewLine, _results.Select(r => $"{(!r.Asserted ? "measured" : r.Passed ? "pass" : "FAIL")}  {r.Description}  {r.Detail}"));
}

/// <param name="Asserted">False for a value shown without a floor (see <see cref="NotebookChecks.AtLeast(string, double, double?)"/>).</param>
public sealed record CheckResult(string Description, bool Passed, string Detail)
{
    public bool Asserted { get; init; } = true;
}

public sealed class NotebookChecksFailedException(string message) : Exception(message);
