using System.CommandLine;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab bench`: end-to-end throughput measurements (reported, never asserted).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure throughput on this machine.");
        bench.Subcommands.Add(Pipeline());
        return bench;
    }

    static Command Pipeline()
    {
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128, Description = "Images per batch." };
        var workers = new Option<int[]>("--workers") { Description = "Worker counts to compare (default: 1 and all cores).", AllowMultipleArgumentsPerToken = true };
        var images = new Option<int>("--images") { DefaultValueFactory = _ => 4000, Description = "Images per measured epoch." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 3, Description = "Measured epochs per setting; the median is reported." };
        var policy = new Option<string>("--policy") { DefaultValueFactory = _ => "guide", Description = "AutoAugment policy: guide, or cifar10 (what tests/benchmarks/pipeline_torchvision.py runs)." };
        policy.AcceptOnlyFromAmong("guide", "cifar10");
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
                var loader = new DataLoader(data, GuidePipeline.Train(grayscale28: true, autoAugment), new DataLoaderOptions { BatchSize = parse.GetValue(batchSize), Workers = count });
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
