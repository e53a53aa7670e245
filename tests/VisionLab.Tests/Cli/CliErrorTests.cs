using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace VisionLab.Tests.Cli;

/// <summary>
/// Issue 18's cases against the real command line: a user error is one line on stderr that names the option or file,
/// exit code 2, no stack trace, and nothing lost or half-written.
/// </summary>
public sealed class CliErrorTests
{
    static void IsOneLineUserError(CliResult result, params string[] mentions) => CliAssert.IsOneLineUserError(result, ignoreLibtorchWarnings: false, mentions);

    [Theory]
    [InlineData(new[] { "export", "model.bin", "--format", "onnx_int8", "--output", "typo.onnx" }, "--format")]      // case 1
    [InlineData(new[] { "export", "model.bin", "--format", "tflite", "--output", "x.tfl" }, "--format")]
    [InlineData(new[] { "train", "--lr", "NaN" }, "--lr")]                                                          // case 2
    [InlineData(new[] { "train", "--epochs", "0" }, "--epochs")]                                                    // case 6
    [InlineData(new[] { "train", "--limit", "0" }, "--limit")]
    [InlineData(new[] { "train", "--mixup", "1.5" }, "--mixup")]
    [InlineData(new[] { "train", "--model", "vit-64" }, "--model")]
    [InlineData(new[] { "evaluate", "model.bin", "--dataset", "mnist" }, "--dataset")]
    [InlineData(new[] { "export", "model.bin", "--format", "triton", "--model", "vit-64" }, "--model")]             // the shared options, in every command
    [InlineData(new[] { "predict", "x.png", "--weights", "m.bin", "--dataset", "mnist" }, "--dataset")]
    [InlineData(new[] { "predict", "x.png", "--weights", "m.onnx", "--top", "0" }, "--top")]
    [InlineData(new[] { "train", "--threads", "0" }, "--threads")]                                                  // the machine options, taken by every command
    [InlineData(new[] { "evaluate", "model.bin", "--device", "tpu" }, "--device")]
    [InlineData(new[] { "bench", "train", "--rounds", "0" }, "--rounds")]
    public void Bad_arguments_are_refused_before_any_work(string[] arguments, string option)
    {
        using var folder = new TemporaryFolder();
        var result = CliProcess.Run(folder.Path, arguments);
        IsOneLineUserError(result, option);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));   // nothing written, not even the typo's file
    }

    [Fact]
    public void The_device_and_threads_are_chosen_once_for_the_whole_command()
    {
        using var folder = new TemporaryFolder();
        var info = CliProcess.Run(folder.Path, "info", "--device", "cpu", "--threads", "1");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Matches(@"device\W+cpu ", info.Output);
        Assert.Matches(@"threads\W+1\W", info.Output);
        if (TorchSharp.torch.cuda.is_available()) return;
        var cuda = CliProcess.Run(folder.Path, "evaluate", "model.bin", "--device", "cuda");
        IsOneLineUserError(cuda, "--device cuda", "no CUDA device");
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_folder_that_holds_a_run_is_not_replaced_without_being_told()   // case 3
    {
        using var folder = new TemporaryFolder();
        var run = Path.Combine(folder.Path, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "checkpoint.ckpt"), "an earlier run");
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--output", run);
        IsOneLineUserError(result, run, "--resume", "--overwrite");
        Assert.Equal("an earlier run", File.ReadAllText(Path.Combine(run, "checkpoint.ckpt")));
    }

    [Fact]
    public void A_Triton_repository_that_cannot_be_written_is_found_before_the_export()
    {
        using var folder = new TemporaryFolder();
        var file = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(file, "");
        var result = CliProcess.Run(folder.Path, "export", "model.bin", "--format", "triton", "--output", Path.Combine(file, "models"));
        IsOneLineUserError(result, "--output", "cannot be written");
        Assert.Equal("", File.ReadAllText(file));
    }

    [Fact]
    public void An_unwritable_output_is_found_before_training()   // case 5
    {
        using var folder = new TemporaryFolder();
        var file = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(file, "");
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--output", Path.Combine(file, "run"));
        IsOneLineUserError(result, "--output", "cannot be written");
        Assert.DoesNotContain("epoch", result.Output);
    }

    [Theory]   // case 6: files that are not what their name says
    [InlineData("random.pt", "is not a PyTorch state_dict")]
    [InlineData("empty.pt", "is empty")]
    [InlineData("random.bin", "is not TorchSharp weights")]
    [InlineData("random.ckpt", "is not a VisionLab checkpoint")]
    [InlineData("random.safetensors", "is not a safetensors file")]
    public void Unreadable_weights_name_the_file_and_what_it_is_not(string name, string message)
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, name);
        File.WriteAllBytes(path, name.StartsWith("empty") ? [] : Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var result = CliProcess.Run(folder.Path, "evaluate", path, "--dataset", "fashion-mnist-bundled");
        IsOneLineUserError(result, path, message);
        Assert.DoesNotContain("old PyTorch format", result.Error);
    }

    [Fact]
    public void A_diverging_run_stops_with_a_message_and_keeps_nothing_broken()   // case 2
    {
        using var folder = new TemporaryFolder();
        var run = Path.Combine(folder.Path, "run");
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "256", "--epochs", "1", "--lr", "1e10", "--output", run);
        IsOneLineUserError(result, "diverged");
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.ckpt")), "no checkpoint of diverged weights");
        Assert.False(File.Exists(Path.Combine(run, "model.bin")));
        Assert.False(File.Exists(Path.Combine(run, ".visionlab.lock")), "the lock is released");
    }

    [Fact]
    public void Predict_on_a_folder_without_images_is_an_error()   // case 9
    {
        using var folder = new TemporaryFolder();
        var empty = Directory.CreateDirectory(Path.Combine(folder.Path, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "no images here");
        var result = CliProcess.Run(folder.Path, "predict", empty, "--weights", Path.Combine(folder.Path, "model.onnx"));
        IsOneLineUserError(result, "No images", empty);
    }

    [Fact]
    public void A_one_class_folder_trains_with_a_warning()   // case 9
    {
        using var folder = new TemporaryFolder();
        foreach (var split in new[] { "train", "test" })
        {
            var classFolder = Directory.CreateDirectory(Path.Combine(folder.Path, "data", split, "cat")).FullName;
            for (int i = 0; i < 4; i++)
            {
                using var image = new Image<Rgb24>(32, 32, new Rgb24((byte)(i * 40), 100, 50));
                image.SaveAsPng(Path.Combine(classFolder, $"{i}.png"));
            }
        }
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "folder:" + Path.Combine(folder.Path, "data"), "--epochs", "1",
            "--batch-size", "4", "--output", Path.Combine(folder.Path, "run"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("warning:", result.Output);
        Assert.Contains("one class", result.Output);
    }
}
