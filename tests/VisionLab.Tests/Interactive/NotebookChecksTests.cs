using VisionLab.Interactive;

namespace VisionLab.Tests.Interactive;

public sealed class NotebookChecksTests
{
    [Fact]
    public void Verify_throws_naming_the_failed_checks()
    {
        var checks = new NotebookChecks("nb").That("fine", true).AtLeast("accuracy", 0.5, 0.9).Equal("count", 3, 4);
        var error = Assert.Throws<NotebookChecksFailedException>(() => checks.Verify());
        Assert.Contains("accuracy (0.5 (floor 0.9))", error.Message);
        Assert.Contains("count (expected 3, got 4)", error.Message);
        Assert.DoesNotContain("fine", error.Message);
    }

    [Fact]
    public void Verify_prints_the_line_the_test_host_reads()
    {
        // As a notebook's first cell: the leak check counts from what is alive now, not from what other tests left.
        NotebookSetup.Run();
        var previous = Console.Out;
        using var writer = new StringWriter();
        Console.SetOut(writer);
        try { new NotebookChecks("nb").That("ok", true).Near("pi", Math.PI, 3.14159, 1e-4).Verify(); }
        finally { Console.SetOut(previous); }
        Assert.Contains("[visionlab-checks] notebook=nb passed=3 failed=0", writer.ToString());
    }
}
