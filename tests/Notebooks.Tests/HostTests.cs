using VisionLab.Notebooks;

namespace Notebooks.Tests;

/// <summary>The host fails notebooks for the right reasons, and names the cell.</summary>
[Collection(NotebookCollection.Name)]
public sealed class HostTests
{
    static Task<NotebookRunResult> Run(string path) =>
        NotebookRunner.RunAsync(path, new NotebookRunOptions { Profile = "smoke", Timeout = TimeSpan.FromMinutes(3) }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_clean_notebook_passes()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("clean.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, "var t = TorchSharp.torch.ones(3);\nt.Dispose();", TestNotebooks.Checks])));
        Assert.Empty(NotebookAssertions.Problems(result));
        Assert.Equal(new ChecksSummary("scratch", 2, 0), result.Checks);
    }

    [Fact]
    public async Task Failed_checks_come_back_one_line_each_for_the_tutorials_summary()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("failing.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap,
            """
            new VisionLab.Interactive.NotebookChecks("scratch").That("fine", true).AtLeast("accuracy", 0.42, 0.8)
                .That("two\nlines", false, "detail").Verify()
            """])));
        Assert.False(result.Succeeded);
        Assert.Equal(["accuracy: 0.42 (floor 0.8)", "two lines: detail"], result.FailedChecks);
        Assert.Equal(["check failed: accuracy: 0.42 (floor 0.8)", "check failed: two lines: detail"], result.FailureSummary());
    }

    [Fact]
    public async Task A_skipped_part_is_reported_and_the_checks_still_decide()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("skipping.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap,
            "Console.WriteLine(\"SKIPPED: no widget here\");\nConsole.WriteLine(\"a line that mentions SKIPPED: mid-line\");",
            TestNotebooks.Checks])));
        Assert.Empty(NotebookAssertions.Problems(result));
        Assert.Equal(["no widget here"], result.SkippedParts);
    }

    [Fact]
    public async Task The_run_seed_reaches_the_notebook_and_a_value_without_a_floor_is_shown_not_counted()
    {
        using var scratch = new Repository.ScratchFolder();
        var path = scratch.Write("seeded.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap,
            """
            new VisionLab.Interactive.NotebookChecks("scratch").Equal("the run seed", 7, VisionLab.Core.RunSeed.Current)
                .AtLeast("accuracy", 0.21, VisionLab.Core.RunProfiles.Choose<double?>(VisionLab.Core.RunProfiles.Current, null, 0.9, 0.9)).Verify()
            """]));
        var before = Environment.GetEnvironmentVariable("VISIONLAB_SEED");
        var result = await NotebookRunner.RunAsync(path, new NotebookRunOptions { Profile = "smoke", Seed = 7, Timeout = TimeSpan.FromMinutes(3) },
            TestContext.Current.CancellationToken);
        Assert.Empty(NotebookAssertions.Problems(result));
        Assert.Equal(new ChecksSummary("scratch", 2, 0), result.Checks);   // the seed and the leak check; the accuracy is only shown
        Assert.Equal(before, Environment.GetEnvironmentVariable("VISIONLAB_SEED"));   // restored after the run
    }

    [Fact]
    public async Task A_throwing_cell_fails_the_notebook_and_is_named()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("throws.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap,
            "var fine = 1;",
            "// a comment line first\nthrow new InvalidOperationException(\"boom from cell two\");",
            TestNotebooks.Checks])));
        var problem = Assert.Single(NotebookAssertions.Problems(result), p => p.Contains("cell 2"));
        Assert.Contains("throw new InvalidOperationException", problem);
        Assert.Contains("boom from cell two", problem);
        Assert.Equal(3, result.Cells.Count); // the checks cell never ran
    }

    [Fact]
    public async Task A_notebook_committed_with_outputs_fails()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("dirty.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, TestNotebooks.Checks], withOutputs: true)));
        Assert.Contains(NotebookAssertions.Problems(result), p => p.Contains("committed with outputs"));
    }

    [Fact]
    public async Task A_leaking_notebook_fails()
    {
        using var scratch = new Repository.ScratchFolder();
        // The leak check runs in the host even when the notebook's own checks do not see it.
        var result = await Run(scratch.Write("leaks.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap,
            "var kept = TorchSharp.torch.zeros(4, 4);",
            "Console.WriteLine(\"[visionlab-checks] notebook=leaks passed=1 failed=0\");"])));
        Assert.Null(result.Failure);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "TorchSharp"))
            TestContext.Current.TestOutputHelper!.WriteLine($"{a.FullName} {a.Location} {System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(a)}");
        Assert.Equal(1, result.LiveTensorsLeft);
        Assert.Contains(NotebookAssertions.Problems(result), p => p.Contains("1 tensor(s) still alive"));
    }

    [Fact]
    public async Task The_notebook_own_leak_check_fails_in_Jupyter_too()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("leaks-checked.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap, "var kept = TorchSharp.torch.zeros(4, 4);", TestNotebooks.Checks])));
        Assert.NotNull(result.Failure);
        Assert.Contains("tensor(s) still alive", result.Failure);
    }

    const string ReaderModule = """
        using TorchSharp;
        using static TorchSharp.torch;
        public class TwoLayers : nn.Module<Tensor, Tensor>
        {
            private readonly TorchSharp.Modules.Linear first, second;
            public TwoLayers() : base("TwoLayers") { first = nn.Linear(4, 8); second = nn.Linear(8, 2); RegisterComponents(); }
            public override Tensor forward(Tensor x) => second.call(first.call(x));
        }
        """;

    [Fact]
    public async Task A_module_the_reader_writes_counts_its_parameters_once()
    {
        // TorchSharp 0.107 counts each Parameter twice; the kernel corrects the modules a cell leaves in variables, so
        // the reader's class needs no workaround and a disposed model is not a leak (4 parameters, 2 in an array).
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("reader-module.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap, ReaderModule,
            "var model = new TwoLayers();\nvar replicas = new[] { new TwoLayers(), new TwoLayers() };",
            "model.Dispose(); foreach (var r in replicas) r.Dispose();",
            TestNotebooks.Checks])));
        Assert.Empty(NotebookAssertions.Problems(result));
        Assert.Equal(0, result.LiveTensorsLeft);
    }

    [Fact]
    public async Task A_module_the_reader_forgets_to_dispose_is_still_a_leak()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("reader-module-kept.ipynb", TestNotebooks.Make([
            TestNotebooks.Bootstrap, ReaderModule, "var model = new TwoLayers();", TestNotebooks.Checks])));
        Assert.NotNull(result.Failure);
        Assert.Contains("4 tensor(s) still alive", result.Failure);   // its 4 parameters, each counted once
    }

    [Fact]
    public async Task A_notebook_without_checks_fails()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("unchecked.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, "var answer = 42;"])));
        Assert.Contains(NotebookAssertions.Problems(result), p => p.Contains("no checks line"));
    }

    [Fact]
    public async Task The_first_cell_can_run_again_in_the_same_kernel()
    {
        // What a user does after rebuilding the library: run the first cell again.
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("rerun.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, TestNotebooks.Bootstrap, TestNotebooks.Checks])));
        Assert.Empty(NotebookAssertions.Problems(result));
    }

    [Fact]
    public async Task Without_a_built_library_the_first_cell_names_the_command_to_run()
    {
        using var scratch = new Repository.ScratchFolder(depth: 2); // "../lib" does not exist from here
        var result = await Run(scratch.Write("unbuilt.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, TestNotebooks.Checks])));
        Assert.NotNull(result.Failure);
        Assert.Contains("cell 0", result.Failure);
        Assert.Contains("Run `dotnet build` (or `dotnet build -c Release`) in the repository root", result.Failure);
    }

    [Fact]
    public async Task Training_progress_is_one_display_updated_in_place()
    {
        using var scratch = new Repository.ScratchFolder();
        var result = await Run(scratch.Write("progress.ipynb", TestNotebooks.Make([TestNotebooks.Bootstrap, """
            var model = TorchSharp.torch.nn.Sequential(TorchSharp.torch.nn.Flatten(), TorchSharp.torch.nn.Linear(784, 10));
            var trainer = new VisionLab.Training.Trainer(model);
            var progress = new VisionLab.Interactive.NotebookProgress(TimeSpan.Zero);
            trainer.Callbacks.Add(progress);
            var data = VisionLab.Data.FashionMnist.Load(train: true).Take(64);
            var loader = new VisionLab.Data.DataLoader(data, new VisionLab.Augmentation.ToTensor(), new VisionLab.Data.DataLoaderOptions { BatchSize = 16 });
            trainer.Fit(loader, loader, epochs: 2);
            trainer.Dispose(); model.Dispose();
            """, TestNotebooks.Checks])));
        Assert.Empty(NotebookAssertions.Problems(result));
        var displays = result.Cells[1].Outputs.Where(o => o.Kind == "display_data").ToList();
        var display = Assert.Single(displays); // 8 batches and 2 epochs, one display
        Assert.Contains("epoch 2/2", display.Data["text/html"]);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(display.Data["text/html"], "<tr><td>").Count);
    }

    [Fact]
    public void The_host_runs_on_the_kernel_FSharp_Core_10_0()
    {
        // Plotly.NET asks for 10.1; a host with 10.1 would hide the failure the official kernel shows.
        var version = typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly.GetName().Version!;
        Assert.Equal(new Version(10, 0, 0, 0), version);
    }
}
