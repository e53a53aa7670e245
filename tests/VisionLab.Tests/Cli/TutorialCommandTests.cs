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

    [Fact]
    public void Solutions_run_into_a_folder_of_their_own_and_join_the_book()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "notebooks");
        var result = CliProcess.Run(folder.Path, "tutorial", "--solutions", "--only", "10", "--profile", "smoke", "--output", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Single(result.Output.Split('\n'), l => l.StartsWith("[1/1] 10-scaling-out-solutions"));
        Assert.True(File.Exists(Path.Combine(output, "solutions", "10-scaling-out-solutions.ipynb")));
        Assert.False(File.Exists(Path.Combine(output, "10-scaling-out-solutions.ipynb")));
        Assert.True(File.Exists(Path.Combine(output, "book", "10-scaling-out-solutions.html")));
        Assert.Contains("Worked solutions", File.ReadAllText(Path.Combine(output, "book", "index.html")));
    }

    [Fact]
    public void Solutions_with_an_unknown_number_is_a_one_line_error_listing_the_solutions()
    {
        using var folder = new TemporaryFolder();
        var result = CliProcess.Run(folder.Path, "tutorial", "--solutions", "--only", "99", "--output", Path.Combine(folder.Path, "nb"));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: --only 99: no notebook in ", result.Error);
        Assert.Contains("solutions", result.Error);
        Assert.Contains("01, 02, 03", result.Error);
        Assert.DoesNotContain("00", result.Error.Split("The numbers are")[1]);   // the chapters' 00 has no solutions
        Assert.Single(result.Error.Trim().Split('\n'));
    }
}
