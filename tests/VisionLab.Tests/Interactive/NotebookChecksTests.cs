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

    [Fact]
    public void A_statistic_without_a_floor_in_this_profile_is_shown_not_counted()
    {
        var checks = new NotebookChecks("nb").AtLeast("accuracy", 0.21, (double?)null).AtLeast("loss fell", 0.3, (double?)0.5);
        var (measured, asserted) = (checks.Results[0], checks.Results[1]);
        Assert.False(measured.Asserted);
        Assert.Equal("0.21 (no floor in this profile)", measured.Detail);
        Assert.Contains("– measured", checks.ToHtml());
        Assert.True(asserted.Asserted);
        Assert.False(asserted.Passed);   // a floor given as double? is a floor
        var error = Assert.Throws<NotebookChecksFailedException>(() => checks.Verify());
        Assert.Contains("loss fell (0.3 (floor 0.5))", error.Message);
        Assert.DoesNotContain("accuracy", error.Message);
    }
}
