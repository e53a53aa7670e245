using System.CommandLine;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab bench`: end-to-end throughput measurements (reported, never asserted).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure throughput on this machine: without a subcommand, every measure in one table (add --compare-pytorch for the side-by-side ratios).");
        BenchAllCommand.Configure(bench);
        bench.Subcommands.Add(Pipeline());
        bench.Subcommands.Add(TrainStep());
        bench.Subcommands.Add(BenchInferenceCommand.Create());
        return bench;
    }

    /// <summary>Training-step throughput of the trainer: forward, loss, backward, clipping, AdamW step (no mixing).</summary>
    static Command TrainStep()
    {
        var model = SharedOptions.Model();
        var batchSize = SharedOptions.BatchSize();
        var batches = new Option<int>("--batches") { DefaultValueFactory = _ => 10, Description = "Measured batches per round." }.AtLeast(1);
        var rounds = SharedOptions.Rounds("Alternating rounds; the median is reported.");
        var compare = SharedOptions.ComparePyTorch("Also run the guide's PyTorch code (modern-cnn, vit-32) with the same settings, alternating rounds, and print the ratio.");
        var precision = SharedOptions.Precision("On CUDA, Float16 / BFloat16 make the PyTorch side use the guide's autocast and GradScaler.");
        var tiny = new Option<bool>("--tiny") { Description = "The host-cost stand-in: the same layers and operations at a negligible width (ModernCNN's stem 4 channels, the ViT's dim 12; try --batch-size 8), so the host's work per step is timed, as a GPU sees it. PyTorch then uses AdamW's foreach path." };
        var command = new Command("train", "Images/s of the training step on 32x32 inputs, optionally side by side with PyTorch.") { model, batchSize, batches, rounds, compare, precision, tiny };
        command.SetAction((parse, cancellation) =>
        {
            string name = parse.GetValue(model)! + (parse.GetValue(tiny) ? "-tiny" : "");
            int size = parse.GetValue(batchSize), count = parse.GetValue(batches), roundCount = parse.GetValue(rounds);
            bool withPyTorch = parse.GetValue(compare);
            if (withPyTorch && name is not ("modern-cnn" or "vit-32" or "modern-cnn-tiny" or "vit-32-tiny"))
                throw new UsageException($"--compare-pytorch: the PyTorch reference has the guide's models only: modern-cnn or vit-32, not {name}.");
            if (name.EndsWith("-tiny", StringComparison.Ordinal) && name is not ("modern-cnn-tiny" or "vit-32-tiny"))
                throw new UsageException($"--tiny narrows the guide's models only: modern-cnn or vit-32, not {parse.GetValue(model)}.");
            if (withPyTorch) PyTorchReference.EnsureInstalled(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
            AnsiConsole.MarkupLine($"{Markup.Escape(name)} training step, batch {size}, 32x32, {parse.GetValue(precision)}, {count + 1} batches per round (the first warms up); " +
                                   $"{Markup.Escape(TorchEnvironment.Describe().ToString())}; {Markup.Escape(NativeHeap.Status)}" +
                                   (parse.GetValue(tiny) ? "; host-cost stand-in: one libtorch thread on both sides" : ""));
            var (ours, theirs, referenceLine, _, _, handles, operations) = TrainStepRounds.Measure(name, size, count, roundCount, withPyTorch, cancellation, parse.GetValue(precision));
            var table = new Table().AddColumns("implementation", "images/s (median)", "rounds");
            table.AddRow("VisionLab (TorchSharp)", Median(ours).ToString("F0"), string.Join(", ", ours.Select(r => r.ToString("F0"))));
            if (withPyTorch)
            {
                table.AddRow("guide's PyTorch", Median(theirs).ToString("F0"), string.Join(", ", theirs.Select(r => r.ToString("F0"))));
                table.AddRow("[bold]ratio (ours / PyTorch)[/]", $"[bold]{Median(ours) / Median(theirs):F2}[/]", "");
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]host work per step: {handles:F0} tensor handles created by the training thread (one per native operation that returns a tensor)" +
                                   (operations is int o ? $"; PyTorch: {o} aten operations (its profiler, top level)" : "") + "[/]");
            if (withPyTorch) AnsiConsole.MarkupLine($"[grey]reference: {Markup.Escape(referenceLine)}[/]");
            return Task.FromResult(0);
        });
        return command;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static Command Pipeline()
    {
        var batchSize = SharedOptions.BatchSize();
        var workers = new Option<int[]>("--workers") { Description = "Worker counts to compare (default: 1 and all cores; 0 builds batches on the consumer's thread).", AllowMultipleArgumentsPerToken = true }.EachAtLeast(0, 256);
        var images = new Option<int>("--images") { DefaultValueFactory = _ => 4000, Description = "Images per measured epoch." }.AtLeast(1);
        var rounds = SharedOptions.Rounds("Measured epochs per setting; the median is reported.");
        var policy = new Option<string>("--policy") { DefaultValueFactory = _ => "guide", Description = "AutoAugment policy: guide, or cifar10 (what tests/benchmarks/pipeline_torchvision.py runs)." };
        policy.OneOf("guide", "cifar10");
        var command = new Command("pipeline", "Images/s of the guide's full augmentation pipeline (crop, flip, jitter, rotation, AutoAugment, normalize, batching).")
            { batchSize, workers, images, rounds, policy };
        command.SetAction((parse, cancellation) =>
        {
            var data = FashionMnist.Load(train: true, FashionMnistSource.Auto).Take(parse.GetValue(images));
            var counts = parse.GetValue(workers) is { Length: > 0 } w ? w : new[] { 1, Environment.ProcessorCount }.Distinct().ToArray();
            var info = TorchEnvironment.Describe();
            var autoAugment = parse.GetValue(policy) == "cifar10" ? AutoAugment.Cifar10 : AutoAugment.Guide;
            AnsiConsole.MarkupLine($"Guide pipeline ({Markup.Escape(autoAugment.ToString())}) on {data.Count} Fashion-MNIST images (28x28 padded to 32x32, 3 channels), batch {parse.GetValue(batchSize)}; {Markup.Escape(info.ToString())}");
            var table = new Table().AddColumns("workers", "images/s (median)", "rounds");
            foreach (var count in counts)
            {
                var loader = new DataLoader(data, GuidePipeline.Train(data.Format, autoAugment), new DataLoaderOptions { BatchSize = parse.GetValue(batchSize), Workers = count });
                var results = Enumerable.Range(0, parse.GetValue(rounds))
                    .Select(r => PipelineThroughput.Measure(loader, epoch: r, cancellationToken: cancellation).ImagesPerSecond).Order().ToList();
                table.AddRow(count.ToString(), results[results.Count / 2].ToString("F0"), string.Join(", ", results.Select(r => r.ToString("F0"))));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        });
        return command;
    }
}
