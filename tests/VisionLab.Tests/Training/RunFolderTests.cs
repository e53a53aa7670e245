using VisionLab.Training;

namespace VisionLab.Tests.Training;

/// <summary>Issue 18, cases 3, 5 and 8: an output folder belongs to one run; stale temporaries go.</summary>
public sealed class RunFolderTests
{
    [Fact]
    public void A_second_run_is_refused_while_the_first_holds_the_folder_and_welcome_after()
    {
        using var folder = new TemporaryFolder();
        var run = Path.Combine(folder.Path, "run");
        using (var first = RunFolder.Claim(run, "--output"))
        {
            var error = Assert.Throws<RunFolderInUseException>(() => RunFolder.Claim(run, "--output"));
            Assert.Contains($"pid {Environment.ProcessId}", error.Message);
            Assert.Contains("--output", error.Message);
        }
        Assert.False(File.Exists(Path.Combine(run, RunFolder.LockFileName)));
        Assert.False(File.Exists(Path.Combine(run, RunFolder.OwnerFileName)));
        using var again = RunFolder.Claim(run);
    }

    [Fact]
    public void A_lock_left_by_a_dead_process_is_taken_over()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(Path.Combine(folder.Path, RunFolder.LockFileName), "");
        File.WriteAllText(Path.Combine(folder.Path, RunFolder.OwnerFileName), "pid 999999999, started long ago");
        using var run = RunFolder.Claim(folder.Path);
        Assert.Contains($"pid {Environment.ProcessId}", File.ReadAllText(Path.Combine(folder.Path, RunFolder.OwnerFileName)));
    }

    [Fact]
    public void Temporary_files_of_a_killed_writer_are_removed_and_others_kept()
    {
        using var folder = new TemporaryFolder();
        // Issue 35, case 3: only the library's own pattern is ever removed; a user's "notes.2024.tmp" stays.
        var stale = Path.Combine(folder.Path, ".checkpoint.ckpt.999999999.1" + VisionLab.Core.AtomicFile.TemporarySuffix);
        var mine = VisionLab.Core.AtomicFile.TemporaryPathFor(Path.Combine(folder.Path, "model.bin"));
        var unrelated = new[] { "notes.tmp", "notes.2024.tmp", "checkpoint.ckpt.999999999.tmp", ".x.999999999.visionlab-tmp", "a.999999999.1.visionlab-tmp" }
            .Select(n => Path.Combine(folder.Path, n)).ToList();
        foreach (var f in unrelated.Append(stale).Append(mine)) File.WriteAllText(f, "x");
        using var run = RunFolder.Claim(folder.Path);
        Assert.Equal([stale], run.RemovedStaleFiles);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(mine));
        Assert.All(unrelated, f => Assert.True(File.Exists(f), f));
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_reported_with_the_option()
    {
        using var folder = new TemporaryFolder();
        var file = Path.Combine(folder.Path, "file");
        File.WriteAllText(file, "");
        var error = Assert.ThrowsAny<VisionLab.Core.ActionableException>(() => RunFolder.Claim(Path.Combine(file, "run"), "--output"));
        Assert.Contains("cannot be written", error.Message);
        Assert.Contains("--output", error.Message);
    }
}
