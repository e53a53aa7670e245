namespace VisionLab.Tests.Cli;

/// <summary>The main job as a log or CI sees it: plain lines, never a redrawn display; the book beside the notebooks.</summary>
public sealed class TutorialCommandTests
{
    [Fact]
    public void Without_a_terminal_progress_is_plain_lines_and_the_book_is_written()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "notebooks");
        var result = CliProcess.Run(folder.Path, "tutorial", "--only", "00", "--profile", "smoke", "--output", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("\u001b[", result.Output);   // no cursor movement or colour codes
        var lines = result.Output.Split('\n');
        Assert.Single(lines, l => l.StartsWith("[1/1] 00-setup"));
        Assert.Single(lines, l => l.TrimStart().StartsWith("cell 1/"));   // each cell once, not a refresh per tick
        Assert.True(File.Exists(Path.Combine(output, "00-setup.ipynb")));
        Assert.True(File.Exists(Path.Combine(output, "book", "index.html")));
        Assert.True(File.Exists(Path.Combine(output, "book", "00-setup.html")));
    }

    [Fact]
    public void An_unwritable_output_is_refused_before_the_first_notebook()
    {
        using var folder = new TemporaryFolder();
        var file = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(file, "");
        var result = CliProcess.Run(folder.Path, "tutorial", "--only", "00", "--profile", "smoke", "--output", Path.Combine(file, "notebooks"));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error);
        Assert.Contains("--output", result.Error);
        Assert.DoesNotContain("[1/1]", result.Output);
    }
}
