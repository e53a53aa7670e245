using VisionLab.Core;

namespace VisionLab.Tests.Core;

/// <summary>Issue 35: every file is written whole or not at all, and only the library's own temporary files are recognised as such.</summary>
public sealed class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_half_way_leaves_the_earlier_file_and_no_temporary()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "model.bin");
        File.WriteAllText(path, "the earlier run's weights");
        var error = Assert.Throws<OutputNotWritableException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("No space left on device");
        }));
        Assert.Contains(path, error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains("Free some disk space", error.Message);
        Assert.Equal("the earlier run's weights", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_finished_write_replaces_the_file_whole()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "metrics.json");
        File.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_folder_where_the_file_belongs_is_a_one_line_error()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "checkpoint.ckpt");
        Directory.CreateDirectory(path);
        var error = Assert.Throws<OutputNotWritableException>(() => AtomicFile.WriteAllText(path, "x"));
        Assert.Contains($"{path} is a folder", error.Message);
        Assert.True(Directory.Exists(path));
    }

    [Theory]
    [InlineData(".model.bin.123.4.visionlab-tmp", 123)]
    [InlineData(".my.run.v2.onnx.77.1.visionlab-tmp", 77)]
    [InlineData("notes.2024.tmp", null)]
    [InlineData("model.bin.123.tmp", null)]
    [InlineData(".model.bin.123.visionlab-tmp", null)]
    [InlineData("model.bin.123.4.visionlab-tmp", null)]
    [InlineData(".model.bin.x.4.visionlab-tmp", null)]
    public void Only_the_library_s_own_pattern_names_a_writer(string name, int? writer) =>
        Assert.Equal(writer, AtomicFile.WriterOf(Path.Combine("/some/folder", name)));

    [Fact]
    public void The_temporary_name_is_the_pattern_and_names_this_process()
    {
        var temporary = AtomicFile.TemporaryPathFor("/some/folder/model.bin");
        Assert.Equal("/some/folder", Path.GetDirectoryName(temporary));
        Assert.Equal(Environment.ProcessId, AtomicFile.WriterOf(temporary));
        Assert.False(AtomicFile.IsStaleTemporary(temporary));   // this process is alive
        Assert.NotEqual(temporary, AtomicFile.TemporaryPathFor("/some/folder/model.bin"));
    }
}
