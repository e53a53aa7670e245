using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Models;
using VisionLab.Tests.Deploy;

namespace VisionLab.Tests.Cli;

/// <summary>One short training run shared by the hostile-input tests: weights in every format, a checkpoint and an ONNX export.</summary>
public sealed class TrainedRun : IDisposable
{
    readonly TemporaryFolder _folder = new();

    public TrainedRun()
    {
        Run = Path.Combine(_folder.Path, "run");
        Directory.CreateDirectory(Run);
        File.WriteAllText(Path.Combine(Run, "notes.2024.tmp"), "the user's notes");   // case 3: not ours, never removed
        var train = CliProcess.Run(_folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "1", "--output", Run, "--export", "pytorch", "safetensors");
        Assert.True(train.ExitCode == 0, train.ToString());
        var onnx = CliProcess.Run(_folder.Path, "export", Weights, "--format", "onnx", "--dataset", "fashion-mnist-bundled");
        Assert.True(onnx.ExitCode == 0, onnx.ToString());
    }

    public string Run { get; }
    public string Weights => Path.Combine(Run, "model.bin");
    public string Checkpoint => Path.Combine(Run, "checkpoint.ckpt");
    public string Onnx => Path.Combine(Run, "model.onnx");

    /// <summary>A copy of the run in a folder of the test's own.</summary>
    public string CopyTo(string folder)
    {
        var copy = Directory.CreateDirectory(Path.Combine(folder, "run")).FullName;
        foreach (var file in Directory.GetFiles(Run)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>
/// Issue 35, the second round of hostile input, against the built command line: nothing lost, nothing hangs, nothing
/// silently wrong, and a one-line error (exit 2) wherever the user can act. Case numbers are the issue's.
/// </summary>
public sealed class HostileInputTests(TrainedRun trained) : IClassFixture<TrainedRun>
{
    // These commands reach libtorch's kernels, whose own warnings ("[W... NNPACK.cpp] Could not initialize NNPACK!") are not ours to word.
    static void IsOneLineUserError(CliResult result, params string[] mentions) => CliAssert.IsOneLineUserError(result, ignoreLibtorchWarnings: true, mentions);

    static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    static void NoLocksOrTemporaries(string folder)
    {
        Assert.False(File.Exists(Path.Combine(folder, ".visionlab.lock")), "lock released");
        Assert.False(File.Exists(Path.Combine(folder, ".visionlab.owner")), "owner note removed");
        Assert.Empty(Directory.GetFiles(folder, "*.visionlab-tmp"));
    }

    [Fact]
    public void Case1_a_kill_during_the_final_save_leaves_the_earlier_weights_whole()
    {
        using var folder = new TemporaryFolder();
        var run = trained.CopyTo(folder.Path);
        var weights = Path.Combine(run, "model.bin");
        var before = Hash(weights);
        using var resumed = RunningCli.Start(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "2", "--restart-period", "1",
            "--output", run, "--resume", Path.Combine(run, "checkpoint.ckpt"));
        // The moment the new model.bin is being written, kill -9: the earlier one must be what is left.
        bool caught = resumed.WaitUntil(() => Directory.GetFiles(run, ".model.bin.*.visionlab-tmp").Length > 0, TimeSpan.FromMinutes(3));
        if (caught) resumed.Signal("KILL");
        var result = resumed.WaitForExit(TimeSpan.FromMinutes(1));
        if (caught) Assert.Equal(before, Hash(weights));
        else Assert.True(result.ExitCode == 0, result.ToString());   // finished first: then it must be whole and new
        var evaluate = CliProcess.Run(folder.Path, "evaluate", weights, "--dataset", "fashion-mnist-bundled");
        Assert.True(evaluate.ExitCode == 0, evaluate.ToString());
        JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))).Dispose();
        Assert.True(caught, "the save was never caught in progress (poll too slow?)");
    }

    [Fact]
    public void Case2_export_never_writes_its_input_nor_replaces_a_file_unasked()
    {
        using var folder = new TemporaryFolder();
        var run = trained.CopyTo(folder.Path);
        var pt = Path.Combine(run, "model.pt");
        var before = Hash(pt);
        IsOneLineUserError(CliProcess.Run(folder.Path, "export", pt, "--format", "pytorch", "--dataset", "fashion-mnist-bundled"), pt, "being exported");
        Assert.Equal(before, Hash(pt));

        var onnx = Path.Combine(run, "model.onnx");
        var onnxBefore = Hash(onnx);
        IsOneLineUserError(CliProcess.Run(folder.Path, "export", Path.Combine(run, "model.bin"), "--format", "onnx", "--dataset", "fashion-mnist-bundled"), onnx, "--overwrite");
        Assert.Equal(onnxBefore, Hash(onnx));
        var replaced = CliProcess.Run(folder.Path, "export", Path.Combine(run, "model.bin"), "--format", "onnx", "--dataset", "fashion-mnist-bundled", "--overwrite");
        Assert.True(replaced.ExitCode == 0, replaced.ToString());
    }

    [Fact]
    public void Case3_a_user_s_tmp_file_in_the_output_folder_is_kept() =>
        Assert.Equal("the user's notes", File.ReadAllText(Path.Combine(trained.Run, "notes.2024.tmp")));

    [Fact]
    public void Case4_a_tiny_interlaced_PNG_is_an_error_in_seconds_not_a_hang()
    {
        using var folder = new TemporaryFolder();
        var png = Path.Combine(folder.Path, "il.png");
        File.WriteAllBytes(png, PngWriter.Write(2, 2, interlaced: true));
        foreach (var model in new[] { new[] { "--weights", trained.Onnx }, new[] { "--weights", trained.Weights, "--dataset", "fashion-mnist-bundled" } })
        {
            var clock = Stopwatch.StartNew();
            var result = CliProcess.Run(folder.Path, ["predict", png, .. model]);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
            Assert.True(result.ExitCode == 1, result.ToString());   // its row says why; other images would still be predicted
            Assert.Contains("interlaced", result.Output);
        }
        // In a folder dataset: refused while loading, naming the file.
        var data = Path.Combine(folder.Path, "data");
        foreach (var split in new[] { "train", "test" })
            foreach (var c in new[] { "cat", "dog" })
            {
                Directory.CreateDirectory(Path.Combine(data, split, c));
                using var image = new Image<Rgb24>(32, 32, new Rgb24(10, 20, 30));
                image.SaveAsPng(Path.Combine(data, split, c, "a.png"));
            }
        File.Copy(png, Path.Combine(data, "train", "cat", "il.png"));
        var train = CliProcess.Run(folder.Path, "train", "--dataset", "folder:" + data, "--epochs", "1", "--batch-size", "2", "--output", Path.Combine(folder.Path, "out"));
        IsOneLineUserError(train, "il.png", "interlaced");
    }

    [Fact]
    public void Case5_train_and_test_class_lists_must_match_before_any_work()
    {
        using var folder = new TemporaryFolder();
        var data = Path.Combine(folder.Path, "data");
        foreach (var (split, classes) in new[] { ("train", new[] { "cat", "dog", "emu" }), ("test", new[] { "cat", "emu" }) })
            foreach (var c in classes)
            {
                Directory.CreateDirectory(Path.Combine(data, split, c));
                using var image = new Image<Rgb24>(32, 32, new Rgb24(10, 20, 30));
                image.SaveAsPng(Path.Combine(data, split, c, "a.png"));
            }
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "folder:" + data, "--epochs", "1", "--output", Path.Combine(folder.Path, "out"));
        IsOneLineUserError(result, "test/ lacks dog");
        Assert.DoesNotContain("epoch", result.Output);
    }

    [Fact]
    public void Case6_a_batch_larger_than_the_data_trains_one_step()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "out");
        var result = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "1", "--batch-size", "2147483647", "--output", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        var loss = metrics.RootElement[0].GetProperty("TrainLoss");
        Assert.True(loss.ValueKind == JsonValueKind.Number && double.IsFinite(loss.GetDouble()), metrics.RootElement.ToString());
    }

    [Fact]
    public void Case6_integer_or_non_finite_weights_are_refused_by_evaluate_and_predict()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10);
        var ints = Path.Combine(folder.Path, "ints.safetensors");
        WeightContractTests.WriteSafetensors(model, ints, "I32");
        IsOneLineUserError(CliProcess.Run(folder.Path, "evaluate", ints, "--dataset", "fashion-mnist-bundled"), ints, "Int32 in the file");

        using (TorchSharp.torch.no_grad())
        using (TorchSharp.torch.NewDisposeScope())
            model.state_dict()["fc.bias"].fill_(float.NaN);
        var nan = Path.Combine(folder.Path, "nan.bin");
        model.save(nan);
        IsOneLineUserError(CliProcess.Run(folder.Path, "evaluate", nan, "--dataset", "fashion-mnist-bundled"), nan, "not finite");
        File.WriteAllBytes(Path.Combine(folder.Path, "x.png"), PngWriter.Write(28, 28, interlaced: false));
        IsOneLineUserError(CliProcess.Run(folder.Path, "predict", "x.png", "--weights", nan, "--dataset", "fashion-mnist-bundled"), nan, "not finite");
    }

    [Theory]   // case 7: values that do not parse; case 11: values that parse but are out of range or unsupported
    [InlineData("--epochs", new[] { "train", "--epochs", "abc" })]
    [InlineData("--epochs", new[] { "train", "--epochs", "3000000000" })]
    [InlineData("--lr", new[] { "train", "--lr", "abc" })]
    [InlineData("--threads", new[] { "--threads", "abc", "info" })]
    [InlineData("--threads", new[] { "info", "--threads", "1.5" })]
    [InlineData("--top", new[] { "predict", "x.png", "--weights", "m.onnx", "--top", "abc" })]
    [InlineData("--max-pixels", new[] { "predict", "x.png", "--weights", "m.onnx", "--max-pixels", "1e20" })]
    [InlineData("--restart-period", new[] { "train", "--restart-period", "" })]
    [InlineData("--mixup", new[] { "train", "--mixup", "NaN" })]
    [InlineData("--timeout", new[] { "tutorial", "--timeout", "-1" })]
    [InlineData("--timeout", new[] { "tutorial", "--timeout", "100000" })]
    [InlineData("--batches", new[] { "bench", "train", "--batches", "-1" })]
    [InlineData("--model", new[] { "bench", "inference", "--model", "hybrid-32" })]
    [InlineData("--batch-sizes", new[] { "bench", "inference", "--batch-sizes", "0" })]
    [InlineData("--workers", new[] { "bench", "pipeline", "--workers", "-3" })]
    [InlineData("--seed", new[] { "train", "--seed", "-1" })]
    [InlineData("--calibration-images", new[] { "export", "m.bin", "--calibration-images", "x" })]
    public void Case7_and_11_bad_values_are_one_line_errors_naming_the_option(string option, string[] arguments)
    {
        using var folder = new TemporaryFolder();
        var result = CliProcess.Run(folder.Path, arguments);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.DoesNotContain("   at ", result.Error);
        Assert.DoesNotContain("System.", result.Error);   // no type names: "is not a whole number", not "System.Int32"
        Assert.Contains(option, result.Error.Split('\n')[0]);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void Case8_a_second_signal_ends_the_run_at_once_and_releases_the_folder()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "out");
        // One step is the whole epoch here (all 4,000 bundled images, over 10 s), so the first signal waits for it;
        // the second does not wait.
        using var run = RunningCli.Start(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--batch-size", "4000", "--epochs", "3", "--output", output);
        Assert.True(run.WaitUntil(() => File.Exists(Path.Combine(output, ".visionlab.owner")), TimeSpan.FromMinutes(1)));
        Thread.Sleep(7000);   // past loading the data and building the model, into the first step
        run.Signal("INT");
        Thread.Sleep(300);
        var clock = Stopwatch.StartNew();
        run.Signal("TERM");
        var result = run.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed} after the second signal");
        Assert.Contains("Stopped at once", result.Error);
        NoLocksOrTemporaries(output);
        Assert.False(File.Exists(Path.Combine(output, "model.bin")));
    }

    [Fact]
    public void Case8_one_signal_stops_after_naming_the_checkpoint()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "out");
        using var run = RunningCli.Start(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "128", "--epochs", "50", "--output", output);
        var checkpoint = Path.Combine(output, "checkpoint.ckpt");
        Assert.True(run.WaitUntil(() => File.Exists(checkpoint), TimeSpan.FromMinutes(2)), "no checkpoint after the first epoch");
        run.Signal("INT");
        var result = run.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains($"--resume {checkpoint}", System.Text.RegularExpressions.Regex.Replace(result.Output, @"\s+", " "));
        NoLocksOrTemporaries(output);
    }

    [Fact]
    public void Case9_folders_in_the_way_are_found_before_the_first_epoch()
    {
        using var folder = new TemporaryFolder();
        var output = Directory.CreateDirectory(Path.Combine(folder.Path, "out")).FullName;
        Directory.CreateDirectory(Path.Combine(output, "checkpoint.ckpt"));
        var train = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "1", "--output", output, "--overwrite");
        IsOneLineUserError(train, "checkpoint.ckpt", "is a folder");
        Assert.DoesNotContain("epoch 1", train.Output);

        var target = Directory.CreateDirectory(Path.Combine(folder.Path, "model.onnx")).FullName;
        IsOneLineUserError(CliProcess.Run(folder.Path, "export", trained.Weights, "--format", "onnx", "--dataset", "fashion-mnist-bundled", "--output", target), target, "is a folder");
    }

    [Fact]
    public void Case9_a_full_disk_is_a_one_line_error_that_leaves_nothing_behind()
    {
        using var folder = new TemporaryFolder();
        var small = Directory.CreateDirectory(Path.Combine(folder.Path, "small")).FullName;
        using (var mount = Process.Start("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]))
        {
            mount.WaitForExit();
            if (mount.ExitCode != 0) Assert.Skip("Needs a 2 MB tmpfs (mount as root) to fill a disk; CI runs as root.");
        }
        try
        {
            var train = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "1", "--output", Path.Combine(small, "run"));
            IsOneLineUserError(train, "MiB free", "--output");
            Assert.DoesNotContain("epoch 1", train.Output);
            foreach (var (format, name) in new[] { ("onnx", "m.onnx"), ("pytorch", "m.pt"), ("safetensors", "m.safetensors") })
            {
                var target = Path.Combine(small, name);
                IsOneLineUserError(CliProcess.Run(folder.Path, "export", trained.Weights, "--format", format, "--dataset", "fashion-mnist-bundled", "--output", target), target, "No space left");
                Assert.False(File.Exists(target));
            }
            Assert.DoesNotContain(Directory.GetFiles(small, "*", SearchOption.AllDirectories), f => f.EndsWith(".visionlab-tmp"));
        }
        finally
        {
            using var unmount = Process.Start("umount", [small]);
            unmount.WaitForExit();
        }
    }

    [Theory]   // case 10
    [MemberData(nameof(OnnxContractTests.Misfits), MemberType = typeof(OnnxContractTests))]
    public void Case10_an_ONNX_model_that_does_not_fit_is_a_one_line_error(string kind, string words)
    {
        using var folder = new TemporaryFolder();
        var model = OnnxContractTests.Write(folder.Path, kind);
        File.WriteAllBytes(Path.Combine(folder.Path, "x.png"), PngWriter.Write(28, 28, interlaced: false));
        IsOneLineUserError(CliProcess.Run(folder.Path, "predict", "x.png", "--weights", model), model, words);
    }

    [Fact]
    public void Messages_say_what_the_file_is_and_which_option_to_change()
    {
        using var folder = new TemporaryFolder();
        var run = trained.CopyTo(folder.Path);
        IsOneLineUserError(CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "2", "--output", run, "--resume", Path.Combine(run, "model.bin")),
            "not a training checkpoint");
        var recipe = CliProcess.Run(folder.Path, "train", "--dataset", "fashion-mnist-bundled", "--limit", "64", "--epochs", "2", "--restart-period", "1", "--lr", "0.01",
            "--output", run, "--resume", Path.Combine(run, "checkpoint.ckpt"));
        IsOneLineUserError(recipe, "--lr 0.0003 in the checkpoint, 0.01 now");
        Assert.DoesNotContain("--seed", recipe.Error);
        IsOneLineUserError(CliProcess.Run(folder.Path, "evaluate", Path.Combine(run, "model.bin"), "--dataset", "shapes"), "trained for 10 classes", "has 6");
        IsOneLineUserError(CliProcess.Run(folder.Path, "tutorial", "--only", "99", "--output", Path.Combine(folder.Path, "nb")), "--only 99", "00");
    }
}
