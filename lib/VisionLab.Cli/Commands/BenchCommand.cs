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
        var bench = new Command("bench", "Measure throughput on this machine.");
        bench.Subcommands.Add(Pipeline());
        bench.Subcommands.Add(TrainStep());
        return bench;
    }

    /// <summary>Training-step throughput of the trainer: forward, loss, backward, clipping, AdamW step (no mixing).</summary>
    static Command TrainStep()
    {
        var model = new Option<string>("--model") { DefaultValueFactory = _ => "modern-cnn", Description = ModelCatalog.Names };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var batches = new Option<int>("--batches") { DefaultValueFactory = _ => 10, Description = "Measured batches per round." };
        var rounds = new Option<int>("--rounds") { DefaultValueFactory = _ => 3 };
        var command = new Command("train", "Images/s of the training step on 32x32 inputs (compare: tests/benchmarks/train_step_pytorch.py).") { model, batchSize, batches, rounds };
        command.SetAction((parse, cancellation) =>
        {
            int size = parse.GetValue(batchSize), count = parse.GetValue(batches);
            // Random images in memory and ToTensor only: the step, not the augmentation, is measured.
            var random = new Random(0);
            var pixels = new byte[size * (count + 1) * 3 * 32 * 32];
            random.NextBytes(pixels);
            var data = new InMemoryImageDataset(pixels, Enumerable.Range(0, size * (count + 1)).Select(i => i % 10).ToArray(), 3, 32, 32, Cifar10.Classes);
            manual_seed(0);
            using var network = ModelCatalog.Create(parse.GetValue(model)!, 10);
            using var trainer = new Trainer(network, new TrainerOptions { MixProbability = 0 });
            var loader = new DataLoader(data, new ToTensor(), new DataLoaderOptions { BatchSize = size, DropLast = true });
            var clock = new BatchClock();
            trainer.Callbacks.Add(clock);
            var results = new List<double>();
            for (int round = 0; round < parse.GetValue(rounds); round++)
            {
                clock.Reset();
                trainer.TrainEpoch(loader, cancellation);
                results.Add(count * size / clock.SinceFirstBatch.TotalSeconds); // the first batch warms up, as in the PyTorch script
            }
            results.Sort();
            AnsiConsole.MarkupLine($"{Markup.Escape(parse.GetValue(model)!)} training step, batch {size}, 32x32, {count + 1} batches per round; " +
                                   $"{Markup.Escape(TorchEnvironment.Describe().ToString())}");
            AnsiConsole.MarkupLine($"images/s: median [bold]{results[results.Count / 2]:F0}[/] (rounds: {string.Join(", ", results.Select(r => r.ToString("F0")))})");
            return Task.FromResult(0);
        });
        return command;
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

    /// <summary>Time from the end of the first batch to the end of the last.</summary>
    sealed class BatchClock : TrainingCallback
    {
        readonly System.Diagnostics.Stopwatch _clock = new();
        public TimeSpan SinceFirstBatch { get; private set; }
        public void Reset() => _clock.Reset();

        public override void OnBatchEnd(Trainer trainer, StepMetrics step)
        {
            if (step.Batch == 0) _clock.Restart();
            SinceFirstBatch = _clock.Elapsed;
        }
    }
}
