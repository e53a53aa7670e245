using System.CommandLine;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab bench inference`: TorchSharp vs ONNX Runtime fp32 vs INT8 (and the guide's PyTorch), speed and accuracy.</summary>
public static class BenchInferenceCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { DefaultValueFactory = _ => SharedOptions.DefaultModel, Description = "modern-cnn or vit-32 (the guide's models)." }.OneOf("modern-cnn", "vit-32");
        var weights = SharedOptions.Weights("Trained weights (without them the model is first trained briefly on the bundled Fashion-MNIST so that accuracy means something):", required: false);
        var trainEpochs = new Option<int>("--train-epochs") { DefaultValueFactory = _ => 2, Description = "Epochs of that brief training." }.AtLeast(1);
        var batchSizes = new Option<int[]>("--batch-sizes") { DefaultValueFactory = _ => new[] { 1, 32 }, AllowMultipleArgumentsPerToken = true }.EachAtLeast(1, 4096);
        var rounds = SharedOptions.Rounds("Alternating rounds; the median round is reported.");
        var repetitions = new Option<int>("--repetitions") { DefaultValueFactory = _ => 10, Description = "Timed batches per engine and round (after 3 warm-up batches)." }.AtLeast(1);
        var compare = SharedOptions.ComparePyTorch("Also time the guide's model in eager PyTorch.");
        var output = SharedOptions.Output("Where the ONNX files go.", Path.Combine("artifacts", "bench-inference"));
        var command = new Command("inference", "Inference images/s and accuracy: TorchSharp, ONNX Runtime fp32, ONNX Runtime INT8 (min-max and percentile).")
            { model, weights, trainEpochs, batchSizes, rounds, repetitions, compare, output };
        command.SetAction((parse, cancellation) =>
        {
            string name = parse.GetValue(model)!;
            int[] sizes = parse.GetValue(batchSizes)!;
            bool withPyTorch = parse.GetValue(compare);
            if (withPyTorch) PyTorchReference.EnsureInstalled(line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
            var test = FashionMnist.Load(train: false);
            var (results, pyTorch) = AnsiConsole.Status().Start("measuring", context => Measure(name, parse.GetValue(weights), parse.GetValue(trainEpochs), sizes,
                parse.GetValue(rounds), parse.GetValue(repetitions), withPyTorch, Path.GetFullPath(parse.GetValue(output)!), line => context.Status(Markup.Escape(line)), cancellation));

            AnsiConsole.MarkupLine($"{Markup.Escape(name)} inference on 32x32 inputs; accuracy on the bundled {test.Count} Fashion-MNIST test images; " +
                                   $"{Markup.Escape(TorchEnvironment.Describe().ToString())}; ONNX Runtime with {Environment.ProcessorCount} intra-op threads");
            var table = new Table().AddColumn("engine").AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("file").RightAligned());
            foreach (var b in sizes) table.AddColumn(new TableColumn($"batch {b} img/s").RightAligned()).AddColumn(new TableColumn("vs ORT fp32").RightAligned());
            var fp32 = results.Single(r => r.Engine == "ONNX Runtime fp32");
            foreach (var r in results)
                table.AddRow([Markup.Escape(r.Engine.Replace("ONNX Runtime", "ORT")), r.Accuracy.ToString("P1"), r.FileBytes is long bytes ? $"{bytes / 1048576.0:F1} MiB" : "",
                    .. sizes.SelectMany(b => new[] { r.Timings[b].ImagesPerSecond.ToString("F0"), $"{r.Timings[b].ImagesPerSecond / fp32.Timings[b].ImagesPerSecond:F2}x" })]);
            if (withPyTorch)
                table.AddRow(["PyTorch 1.13 eager", "", "", .. sizes.SelectMany(b => new[] { pyTorch[b].ToString("F0"), $"{pyTorch[b] / fp32.Timings[b].ImagesPerSecond:F2}x" })]);
            AnsiConsole.Write(table);
            var torchSharp = results.Single(r => r.Engine == "TorchSharp");
            if (withPyTorch)
                AnsiConsole.MarkupLine("TorchSharp / PyTorch: " + string.Join(", ", sizes.Select(b => $"batch {b} [bold]{torchSharp.Timings[b].ImagesPerSecond / pyTorch[b]:F2}[/]")));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>
    /// A guide model (trained weights, or trained here briefly on the bundled Fashion-MNIST so that accuracy means
    /// something) through <see cref="DeploymentBenchmark"/>, and the guide's PyTorch eager inference on the same batch
    /// sizes when asked: its median images/s per batch size (empty without PyTorch).
    /// </summary>
    internal static (IReadOnlyList<EngineResult> Engines, IReadOnlyDictionary<int, double> PyTorch) Measure(string name, FileInfo? weights, int trainEpochs,
        int[] sizes, int rounds, int repetitions, bool withPyTorch, string folder, Action<string>? log, CancellationToken cancellation)
    {
        var train = FashionMnist.Load(train: true);
        var evaluate = GuidePipeline.Evaluate(train.Format);
        manual_seed(0);
        using var network = weights is not null ? SharedOptions.ModelWithWeights(name, 10, weights.FullName) : ModelCatalog.Create(name, 10);
        if (weights is null)
        {
            log?.Invoke($"training {name} for {trainEpochs} epoch(s) on the bundled {train.Count} images first (no weights given)");
            using var trainer = new Trainer(network, objective: new SupervisedObjective { MixProbability = 0 });
            trainer.Fit(new DataLoader(train, evaluate, new DataLoaderOptions { BatchSize = 64 }), null, trainEpochs, cancellation);
        }
        IReadOnlyList<EngineResult> engines;
        using (var calibration = new CalibrationSet(new DataLoader(train, evaluate, new DataLoaderOptions { BatchSize = 64, Shuffle = false }), 512, cancellation))
            engines = DeploymentBenchmark.Run(network, calibration.Batches, new DataLoader(FashionMnist.Load(train: false), evaluate, new DataLoaderOptions { BatchSize = 100, Shuffle = false }),
                folder, sizes, rounds, repetitions, threads: Environment.ProcessorCount, log, cancellation);
        var reference = new Dictionary<int, List<double>>();
        for (int round = 0; withPyTorch && round < rounds; round++)
        {
            log?.Invoke($"PyTorch eager inference, round {round + 1}/{rounds}");
            foreach (var (batch, rate) in PyTorchReference.Inference(name, repetitions, sizes))
                (reference.TryGetValue(batch, out var list) ? list : reference[batch] = new List<double>()).Add(rate);
        }
        return (engines, reference.ToDictionary(kv => kv.Key, kv => BenchCommand.Median(kv.Value)));
    }
}
