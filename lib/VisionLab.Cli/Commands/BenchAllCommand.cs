using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>
/// `visionlab bench [--compare-pytorch]`: every performance measure of the project in one run, side by side with the
/// guide's PyTorch code where there is one, as one table of medians, ratios and goals. The subcommands (train,
/// inference, pipeline) measure one thing each in more detail.
/// </summary>
public static class BenchAllCommand
{
    sealed record Row(string Measure, string Ours, string Reference, double? Ratio, string Goal, bool? Met);

    public static void Configure(Command bench)
    {
        var compare = SharedOptions.ComparePyTorch("Run the guide's PyTorch code (and torchvision) beside ours.");
        var rounds = SharedOptions.Rounds("Alternating rounds per measure; medians are reported.");
        var skipNotebooks = new Option<bool>("--skip-notebooks") { Description = "Leave out the timed smoke run of all notebooks." };
        bench.Options.Add(compare);
        bench.Options.Add(rounds);
        bench.Options.Add(skipNotebooks);
        bench.SetAction((parse, cancellation) =>
        {
            bool withPyTorch = parse.GetValue(compare);
            int roundCount = parse.GetValue(rounds);
            var scratch = Path.Combine(Path.GetTempPath(), $"visionlab-bench-{Environment.ProcessId}");   // ONNX files and executed notebooks, removed at the end
            if (withPyTorch) PyTorchReference.EnsureInstalled(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
            var rows = new List<Row>();
            void Status(string what) => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss} {Markup.Escape(what)}[/]");

            // 1. Training step, both models, batch 128.
            double cnnStep = 0;
            List<long> retained = new();
            foreach (var model in new[] { "modern-cnn", "vit-32" })
            {
                Status($"training step: {model}");
                var r = TrainStepRounds.Measure(model, 128, model == "vit-32" ? 4 : 10, roundCount, withPyTorch, cancellation);
                double ours = BenchCommand.Median(r.Ours), theirs = withPyTorch ? BenchCommand.Median(r.Theirs) : double.NaN;
                if (model == "modern-cnn") { cnnStep = ours; retained = r.RetainedBytes; }
                rows.Add(new($"training step, {model}, batch 128 (images/s)", $"{ours:F0}", withPyTorch ? $"{theirs:F0}" : "", withPyTorch ? ours / theirs : null, "≥ 1.0x PyTorch", withPyTorch ? ours / theirs >= 1.0 : null));
                if (model == "modern-cnn" && withPyTorch && r.TheirPeakMiB.Count > 0)
                    rows.Add(new("peak memory, training step, modern-cnn (MiB)", $"{Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}", $"{r.TheirPeakMiB.Max():F0}",
                        Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0 / r.TheirPeakMiB.Max(), "reported (lower is better)", null));
            }
            // 1b. The host's cost of a step (issue 17): the same models at a negligible width, so the time is what the
            // host spends issuing operations, as on a GPU; PyTorch uses AdamW's multi-tensor (foreach) path there.
            foreach (var model in new[] { "modern-cnn-tiny", "vit-32-tiny" })
            {
                Status($"host cost of a training step: {model}");
                var r = TrainStepRounds.Measure(model, 8, 40, roundCount, withPyTorch, cancellation);
                double ours = BenchCommand.Median(r.Ours) / 8, theirs = withPyTorch ? BenchCommand.Median(r.Theirs) / 8 : double.NaN;
                rows.Add(new($"host cost: training step, {model}, batch 8 (steps/s)", $"{ours:F0}", withPyTorch ? $"{theirs:F0} (foreach)" : "", withPyTorch ? ours / theirs : null,
                    "≥ 1.0x PyTorch", withPyTorch ? ours / theirs >= 1.0 : null));
                rows.Add(new($"host cost: operations per step, {model}", $"{r.HandlesPerStep:F0} tensor handles", r.TheirOperations is int o ? $"{o} aten ops" : "", null, "reported", null));
            }
            var optimizerCost = OptimizerStepCost.Measure("modern-cnn");
            rows.Add(new($"operations per optimizer step (clip, AdamW, zero), modern-cnn, {optimizerCost.ParameterTensors} parameter tensors", $"{optimizerCost.Packed} packed",
                $"{optimizerCost.PerTensor} per tensor (TorchSharp's AdamW)", (double)optimizerCost.Packed / optimizerCost.PerTensor, "independent of the tensor count", null));

            double growth = retained.Count > 1 ? (retained[^1] - retained[1]) / (double)retained[1] : 0;
            rows.Add(new("memory after a collection, round 2 → last (modern-cnn)", string.Join(" → ", (retained.Count > 1 ? retained.Skip(1) : retained).Select(b => $"{b / 1048576.0:F0}")) + " MiB", "", null,
                "growth ≤ 5 %", retained.Count > 2 ? Math.Abs(growth) <= 0.05 : null));

            // 2. Input pipeline with the guide's augmentation, against the training step's consumption and torchvision.
            Status("input pipeline");
            var data = FashionMnist.Load(train: true).Take(4000);
            var loader = new DataLoader(data, GuidePipeline.Train(data.Format, AutoAugment.Cifar10), new DataLoaderOptions { BatchSize = 128, Workers = Environment.ProcessorCount });
            var pipeline = Enumerable.Range(0, roundCount).Select(r => PipelineThroughput.Measure(loader, epoch: r, cancellationToken: cancellation).ImagesPerSecond).ToList();
            double ourPipeline = BenchCommand.Median(pipeline);
            rows.Add(new("input pipeline vs the CNN training step's consumption (images/s)", $"{ourPipeline:F0}", $"{cnnStep:F0} consumed", ourPipeline / cnnStep, "≥ 3x", ourPipeline / cnnStep >= 3));
            if (withPyTorch)
            {
                Status("input pipeline: torchvision");
                var theirs = Enumerable.Range(0, roundCount).Select(_ => PyTorchReference.Pipeline(4000, Environment.ProcessorCount)).ToList();
                rows.Add(new($"input pipeline, {Environment.ProcessorCount} workers, CIFAR-10 AutoAugment (images/s)", $"{ourPipeline:F0}", $"{BenchCommand.Median(theirs):F0}",
                    ourPipeline / BenchCommand.Median(theirs), "reported", null));
            }

            // 3. Inference: TorchSharp vs PyTorch eager, ONNX Runtime INT8 vs fp32.
            foreach (var model in new[] { "modern-cnn", "vit-32" })
            {
                Status($"inference: {model}");
                var (engines, reference) = BenchInferenceCommand.Measure(model, null, 1, new[] { 1, 32 }, roundCount, 10, withPyTorch, Path.Combine(scratch, model), null, cancellation);
                var torchSharp = engines.Single(e => e.Engine == "TorchSharp");
                var fp32 = engines.Single(e => e.Engine == "ONNX Runtime fp32");
                var int8 = engines.Single(e => e.Engine == "ONNX Runtime INT8 (min-max)");
                foreach (int batch in new[] { 1, 32 })
                {
                    double ours = torchSharp.Timings[batch].ImagesPerSecond;
                    double? theirs = withPyTorch ? reference[batch] : null;
                    rows.Add(new($"inference, {model}, batch {batch}, TorchSharp vs PyTorch eager (images/s)", $"{ours:F0}", theirs is double t ? $"{t:F0}" : "", theirs is double u ? ours / u : null, "reported", null));
                }
                foreach (int batch in new[] { 1, 32 })
                    rows.Add(new($"inference, {model}, batch {batch}, ONNX Runtime INT8 vs fp32 (images/s)", $"{int8.Timings[batch].ImagesPerSecond:F0}", $"{fp32.Timings[batch].ImagesPerSecond:F0} fp32",
                        int8.Timings[batch].ImagesPerSecond / fp32.Timings[batch].ImagesPerSecond, batch == 32 ? "≥ 2x" : "reported", batch == 32 ? int8.Timings[batch].ImagesPerSecond >= 2 * fp32.Timings[batch].ImagesPerSecond : null));
                rows.Add(new($"accuracy, {model}: INT8 vs fp32 (bundled test set)", $"{int8.Accuracy:P1}", $"{fp32.Accuracy:P1}", null, "≤ 1 point lost", fp32.Accuracy - int8.Accuracy <= 0.01));
            }

            // 4. The smoke run of every notebook (what CI does), as a separate process.
            if (!parse.GetValue(skipNotebooks))
            {
                Status("smoke run of all notebooks");
                var clock = Stopwatch.StartNew();
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in new[] { typeof(BenchAllCommand).Assembly.Location, "tutorial", "--profile", "smoke", "--output", Path.Combine(scratch, "notebooks") })
                    start.ArgumentList.Add(a);
                using var process = Process.Start(start)!;
                process.StandardOutput.ReadToEndAsync();
                process.StandardError.ReadToEndAsync();
                process.WaitForExit();
                rows.Add(new("smoke run of all notebooks (seconds)", $"{clock.Elapsed.TotalSeconds:F0}", "", null, "< 600 s", process.ExitCode == 0 && clock.Elapsed.TotalSeconds < 600));
            }

            AnsiConsole.MarkupLine($"{DateTime.Now:yyyy-MM-dd}, {Markup.Escape(TorchEnvironment.Describe().ToString())}; {Markup.Escape(NativeHeap.Status)}; ONNX Runtime with {Environment.ProcessorCount} threads" +
                                   (withPyTorch ? "; reference: the guide's code under Debian's PyTorch 1.13 / torchvision 0.14 with the same threads" : ""));
            var table = new Table().AddColumns("measure", "VisionLab", "reference", "ratio", "goal", "met");
            foreach (var row in rows)
                table.AddRow(Markup.Escape(row.Measure), Markup.Escape(row.Ours), Markup.Escape(row.Reference), row.Ratio is double r ? $"{r:F2}" : "", Markup.Escape(row.Goal),
                    row.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "" });
            AnsiConsole.Write(table);
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
            return Task.FromResult(0);
        });
    }
}
