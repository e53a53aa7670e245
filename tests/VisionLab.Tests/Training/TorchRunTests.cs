using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

/// <summary>
/// The hand-off to PyTorch's distributed engine, for real: our weights → torchrun with 2 Gloo processes on the CPU
/// (tests/golden/train_distributed.py, DistributedDataParallel) → our evaluation, which must count exactly what the
/// script counted. Without torchrun (Debian's python3-torch) the tests skip with the install command; CI installs
/// it and sets VISIONLAB_REQUIRE_TORCHRUN=1, which turns a missing torchrun into a failure.
/// </summary>
public sealed class TorchRunTests
{
    static string Script => TorchRun.ScriptIn(Repository.Root);

    static void RequireTorchRun()
    {
        if (TorchRun.Find() is not null) return;
        var why = $"torchrun is missing: {TorchRun.InstallHint}";
        if (Environment.GetEnvironmentVariable("VISIONLAB_REQUIRE_TORCHRUN") == "1") Assert.Fail(why);
        Assert.Skip(why);
    }

    static string ExportStart(string folder, int seed)
    {
        manual_seed(seed);
        using var model = new ModernCNN(10);
        var path = Path.Combine(folder, "start.pt");
        PyTorchWeights.Save(model, path);
        WeightFiles.WriteRecord(model, path);
        return path;
    }

    static Tensor[] Weights(string path)
    {
        using var model = new ModernCNN(10);
        WeightFiles.Load(model, path);
        return model.state_dict().Values.Select(t => t.detach().clone()).ToArray();
    }

    [Fact]
    public void Two_Gloo_processes_train_from_our_weights_and_our_evaluation_counts_what_they_counted()
    {
        RequireTorchRun();
        using var folder = new TemporaryFolder();
        var start = ExportStart(folder.Path, seed: 3);
        var output = Path.Combine(folder.Path, "ddp.pt");
        var result = TorchRun.Train(Script, start, output, new DistributedRunOptions { Processes = 2, Limit = 512, BatchSizePerProcess = 32 },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(result.Output, l => l.Contains("2 processes (Gloo, CPU)", StringComparison.Ordinal));
        Assert.Equal(1000, result.Images);   // the bundled test split, each image counted once across the two ranks
        using var model = new ModernCNN(10);
        WeightFiles.Load(model, output);
        using var trainer = new Trainer(model);
        var test = FashionMnist.Load(train: false);
        var ours = trainer.Evaluate(new DataLoader(test, GuidePipeline.Evaluate(test.Format), new DataLoaderOptions { BatchSize = 256, Shuffle = false }));
        Assert.Equal(result.Correct, ours.Predictions.Zip(ours.Labels).Count(p => p.First == p.Second));

        // It trained: the weights moved.
        var before = Weights(start);
        var after = Weights(output);
        Assert.Contains(before.Zip(after), p => !p.First.eq(p.Second).all().item<bool>());
        foreach (var t in before.Concat(after)) t.Dispose();
    }

    [Fact]
    public void An_interrupted_run_resumes_from_its_checkpoint_to_the_same_weights()
    {
        RequireTorchRun();
        using var folder = new TemporaryFolder();
        var start = ExportStart(folder.Path, seed: 4);
        var options = new DistributedRunOptions { Processes = 2, Limit = 128, BatchSizePerProcess = 32, Epochs = 2, Seed = 7 };
        var straight = TorchRun.Train(Script, start, Path.Combine(folder.Path, "straight.pt"), options, cancellationToken: TestContext.Current.CancellationToken);
        var checkpoint = Path.Combine(folder.Path, "run.ckpt.pt");
        // "Interrupted" after the first epoch: the same run asked for one epoch, then asked again for two.
        TorchRun.Train(Script, start, Path.Combine(folder.Path, "half.pt"), options with { Epochs = 1, Checkpoint = checkpoint }, cancellationToken: TestContext.Current.CancellationToken);
        var resumed = TorchRun.Train(Script, start, Path.Combine(folder.Path, "resumed.pt"), options with { Checkpoint = checkpoint }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(resumed.Output, l => l.Contains("resumed from", StringComparison.Ordinal));
        Assert.Equal(straight.Correct, resumed.Correct);
        var a = Weights(straight.Weights);
        var b = Weights(resumed.Weights);
        Assert.All(a.Zip(b), p => Assert.True(p.First.eq(p.Second).all().item<bool>(), "every tensor equal, bit for bit"));
        foreach (var t in a.Concat(b)) t.Dispose();
    }

    [Fact]
    public async Task Two_runs_at_once_on_one_machine_each_get_their_own_rendezvous()
    {
        // PyTorch 1.13's --standalone always listens on port 29400: a second run at the same time (another test
        // assembly, a notebook) failed with "The connection to the C10d store has failed". Both must finish.
        RequireTorchRun();
        using var folder = new TemporaryFolder();
        var start = ExportStart(folder.Path, seed: 5);
        var options = new DistributedRunOptions { Processes = 2, Limit = 64, BatchSizePerProcess = 32 };
        var runs = Enumerable.Range(0, 2).Select(i => Task.Run(() => TorchRun.Train(Script, start, Path.Combine(folder.Path, $"ddp{i}.pt"), options,
            cancellationToken: TestContext.Current.CancellationToken))).ToArray();
        var results = await Task.WhenAll(runs);
        Assert.All(results, result => Assert.Equal(1000, result.Images));
        Assert.Equal(results[0].Correct, results[1].Correct);   // same seed, same data: the same run twice
    }

    [Fact]
    public void Weights_of_another_model_stop_the_run_with_one_line_naming_the_file()
    {
        RequireTorchRun();
        using var folder = new TemporaryFolder();
        var start = ExportStart(folder.Path, seed: 0);
        var error = Assert.Throws<ActionableException>(() => TorchRun.Train(Script, start, Path.Combine(folder.Path, "out.pt"),
            new DistributedRunOptions { Processes = 2, Model = "vit-32", Limit = 64 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("start.pt does not fit --model vit-32", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(File.Exists(Path.Combine(folder.Path, "out.pt")));
    }

    [Fact]
    public void Missing_inputs_are_refused_before_any_process_starts()
    {
        using var folder = new TemporaryFolder();
        var missing = Path.Combine(folder.Path, "missing.pt");
        var options = new DistributedRunOptions();
        if (TorchRun.Find() is null)
        {
            Assert.Contains("apt-get install python3-torch", Assert.Throws<ActionableException>(() => TorchRun.Train(Script, missing, missing, options)).Message);
            return;
        }
        Assert.Contains(missing, Assert.Throws<ActionableException>(() => TorchRun.Train(Script, missing, Path.Combine(folder.Path, "o.pt"), options)).Message);
        var start = ExportStart(folder.Path, seed: 0);
        Assert.Contains("nowhere", Assert.Throws<ActionableException>(() => TorchRun.Train(Script, start, Path.Combine(folder.Path, "o.pt"),
            options with { DataFolder = Path.Combine(folder.Path, "nowhere") })).Message);
        Assert.Contains("no-script.py", Assert.Throws<ActionableException>(() => TorchRun.Train(Path.Combine(folder.Path, "no-script.py"), start, Path.Combine(folder.Path, "o.pt"), options)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRun.Train(Script, start, Path.Combine(folder.Path, "o.pt"), options with { Processes = 0 }));
        var aFile = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(aFile, "");
        Assert.Contains("cannot be written", Assert.Throws<ActionableException>(() => TorchRun.Train(Script, start, Path.Combine(aFile, "o.pt"), options)).Message);
    }

    [Fact]
    public void A_configured_launcher_that_does_not_exist_is_named()
    {
        var previous = Environment.GetEnvironmentVariable(TorchRun.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(TorchRun.EnvironmentVariable, "/nowhere/torchrun");
            Assert.Null(TorchRun.Find());
            var error = Assert.Throws<ActionableException>(() => TorchRun.Train(Script, "w.pt", "o.pt", new DistributedRunOptions()));
            Assert.Contains("VISIONLAB_TORCHRUN=/nowhere/torchrun: no such file", error.Message);
        }
        finally { Environment.SetEnvironmentVariable(TorchRun.EnvironmentVariable, previous); }
    }
}
