using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab train`: the guide's recipe on a dataset, with checkpoints, resume and PyTorch export.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var model = SharedOptions.Model();
        var dataset = SharedOptions.Dataset();
        var epochs = new Option<int>("--epochs")
        {
            DefaultValueFactory = _ => 15,
            Description = "Total epochs (a resumed run continues up to this number). 15 reach 92 % on the full Fashion-MNIST.",
        };
        epochs.AtLeast(1);
        var batchSize = SharedOptions.BatchSize();
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => 3e-4, Description = "AdamW learning rate (the guide: 3e-4)." }.Positive();
        var augment = new Option<string>("--augment")
        {
            DefaultValueFactory = _ => "auto",
            Description = "auto (light for grayscale 28x28 data such as Fashion-MNIST, guide otherwise), guide (the guide's full pipeline with AutoAugment: made for colour photos), light (crop and flip) or none.",
        };
        augment.OneOf("auto", "guide", "light", "none");
        var mixup = new Option<double>("--mixup") { DefaultValueFactory = _ => 0.5, Description = "Probability that a batch is mixed with MixUp (0 turns it off)." }.Between(0, 1);
        var restartPeriod = new Option<int?>("--restart-period")
        {
            Description = "Epochs in the first warm-restart cycle (T_0; each next cycle is twice as long). Default: the number of " +
                          "epochs, one cycle that ends where the learning rate is lowest (the guide's 10 does that for 10 epochs). " +
                          "A resumed run needs the same value: give it explicitly when resuming with more epochs.",
        };
        restartPeriod.AtLeast(1);
        var precision = SharedOptions.Precision();
        var accumulation = new Option<int>("--accumulation") { DefaultValueFactory = _ => 1, Description = "Batches per optimiser step." }.AtLeast(1);
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Seeds the weights, the shuffling and the augmentation." }.AtLeast(0);
        var limit = new Option<int?>("--limit") { Description = "Use only the first N training images." }.AtLeast(1);
        var output = SharedOptions.Output("Checkpoint, weights and metrics go here.", Path.Combine("artifacts", "train"));
        var resume = new Option<FileInfo?>("--resume") { Description = "A checkpoint to continue from (same recipe)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start afresh in an --output folder that holds an earlier run's checkpoint or weights (replacing them)." };
        var export = new Option<string[]>("--export") { Description = "Also write the final weights as: pytorch (state_dict .pt), safetensors.", AllowMultipleArgumentsPerToken = true };
        export.OneOf("pytorch", "safetensors");
        var command = new Command("train", "Train a model with the guide's recipe and report test accuracy after each epoch.")
            { model, dataset, epochs, batchSize, learningRate, augment, mixup, restartPeriod, precision, accumulation, seed, limit, output, resume, overwrite, export };
        command.SetAction((parse, cancellation) =>
        {
            // The output folder first: unwritable, in use or holding another run is found before any work starts.
            using var folder = RunFolder.Claim(Path.GetFullPath(parse.GetValue(output)!), "--output");
            foreach (var stale in folder.RemovedStaleFiles) AnsiConsole.MarkupLine($"Removed {Markup.Escape(stale)}, left by a run that was killed while writing.");
            var checkpointPath = Path.Combine(folder.FullPath, "checkpoint.ckpt");
            var exports = (parse.GetValue(export) ?? []).Select(format => format == "safetensors" ? "model.safetensors" : "model.pt").ToList();
            // Every file this run will write, checked before the first epoch (a folder in the way is otherwise found after it).
            folder.ProbeOutputs("--output", new[] { "checkpoint.ckpt", "model.bin", "metrics.json" }.Concat(exports).SelectMany(f => new[] { f, WeightFiles.RecordPath(f) }));
            if (parse.GetValue(resume) is { } resumeFrom && !resumeFrom.Exists)
                throw new UsageException(Directory.Exists(resumeFrom.FullName) ? $"--resume {resumeFrom.FullName} is a folder: give the checkpoint.ckpt inside it."
                                                                               : $"--resume {resumeFrom.FullName}: no such checkpoint.");
            var earlier = new[] { checkpointPath, Path.Combine(folder.FullPath, "model.bin") }.Where(File.Exists).ToList();
            if (earlier.Count > 0 && parse.GetValue(resume) is null && !parse.GetValue(overwrite))
                throw new UsageException($"{folder.FullPath} already holds a run ({string.Join(", ", earlier.Select(Path.GetFileName))}): continue it with " +
                                         $"--resume {checkpointPath}, replace it with --overwrite, or choose another --output.");
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, cancellationToken: cancellation);
            var trainSet = DatasetSubset.Of(data.Train, parse.GetValue(limit));
            if (trainSet.Count == 0) throw new UsageException($"{data.Name} has no training images: nothing to train on.");
            if (data.Train.Classes.Count < 2)
                AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(data.Name)} has one class ({Markup.Escape(data.Train.Classes.FirstOrDefault() ?? "")}): every prediction is right, so its accuracy says nothing. Put each class's images in a subfolder of their own.");
            var options = new TrainerOptions
            {
                LearningRate = parse.GetValue(learningRate), RestartPeriod = parse.GetValue(restartPeriod) ?? parse.GetValue(epochs), Precision = parse.GetValue(precision),
                AccumulationSteps = parse.GetValue(accumulation), Seed = parse.GetValue(seed),
            };
            var loaderOptions = new DataLoaderOptions { BatchSize = parse.GetValue(batchSize), Seed = parse.GetValue(seed) };
            var augmentation = parse.GetValue(augment) is "auto" ? (data.Format == InputFormat.Gray28 ? "light" : "guide") : parse.GetValue(augment);
            var trainTransform = augmentation switch
            {
                "guide" => GuidePipeline.Train(data.Format),
                "light" => GuidePipeline.Light(data.Format),
                "none" => GuidePipeline.Evaluate(data.Format),
                var other => throw new UsageException($"--augment: unknown augmentation '{other}': use auto, guide, light or none."),
            };
            var trainLoader = new DataLoader(trainSet, trainTransform, loaderOptions);
            var testLoader = new DataLoader(data.Test, GuidePipeline.Evaluate(data.Format), loaderOptions with { BatchSize = 256, Shuffle = false });

            manual_seed(parse.GetValue(seed));
            using var network = ModelCatalog.Create(parse.GetValue(model)!, data.Train.Classes.Count);
            var objective = new SupervisedObjective { MixProbability = parse.GetValue(mixup) };
            using var trainer = new Trainer(network, options, objective: objective);
            // A checkpoint holds the weights and AdamW's two moments; while one is replaced, the old one is still there.
            long weightBytes = network.state_dict().Values.Sum(t => t.NumberOfElements * t.ElementSize);
            folder.ProbeSpace(weightBytes * (2 * 3 + 1 + exports.Count), "--output");
            if (parse.GetValue(resume) is { } checkpoint)
            {
                trainer.LoadCheckpoint(checkpoint.FullName);
                AnsiConsole.MarkupLine($"Resumed from {Markup.Escape(checkpoint.FullName)} at epoch {trainer.Epoch}.");
            }
            AnsiConsole.MarkupLine($"{Markup.Escape(parse.GetValue(model)!)} ({ModelSummary.ParameterCount(network):N0} parameters) on {Markup.Escape(data.Name)}: " +
                                   $"{trainSet.Count} training, {data.Test.Count} test images; {Markup.Escape(TorchEnvironment.Describe().ToString())}");
            AnsiConsole.MarkupLine(Markup.Escape($"{trainer.PrecisionNote} Augmentation: {augmentation}; MixUp on {objective.MixProbability:P0} of the batches."));
            trainer.Callbacks.Add(new RetainedMemory());
            trainer.Callbacks.Add(new CheckpointEveryEpoch(checkpointPath));
            int remaining = Math.Max(0, parse.GetValue(epochs) - trainer.Epoch);
            var started = DateTime.UtcNow;
            try
            {
                AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        trainer.Callbacks.Add(new SpectreTrainingProgress(context));
                        trainer.Fit(trainLoader, testLoader, remaining, cancellation);
                    });
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: the epoch in progress is dropped; every finished one is in the (atomically written) checkpoint.
                AnsiConsole.MarkupLine(trainer.Epoch > 0 && File.Exists(checkpointPath)
                    ? Markup.Escape($"Interrupted during epoch {trainer.Epoch + 1}. The checkpoint after epoch {trainer.Epoch} is {checkpointPath}; " +
                                    $"continue with the same command plus --resume {checkpointPath}")
                    : Markup.Escape($"Interrupted during epoch {trainer.Epoch + 1}, before the first checkpoint: nothing to resume from."));
                return Task.FromResult(130);
            }

            if (remaining > 0 && trainer.History.Count == 0)
                throw new ActionableException($"No epoch finished, so no weights were written to {folder.FullPath}.");
            // Each file whole or not at all: a kill during the save leaves the earlier run's model.bin, not half of this one.
            var weightsPath = Path.Combine(folder.FullPath, "model.bin");
            AtomicFile.Write(weightsPath, stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                network.save(writer);
            });
            WeightFiles.WriteRecord(network, weightsPath);
            AtomicFile.WriteAllText(Path.Combine(folder.FullPath, "metrics.json"), JsonSerializer.Serialize(trainer.History, new JsonSerializerOptions(Checkpoint.Json) { WriteIndented = true }));
            foreach (var file in exports)
            {
                var path = Path.Combine(folder.FullPath, file);
                PyTorchWeights.Save(network, path);
                WeightFiles.WriteRecord(network, path);
                AnsiConsole.MarkupLine($"Exported {Markup.Escape(path)}");
            }
            var final = trainer.History.LastOrDefault();
            AnsiConsole.MarkupLine($"Done in {(DateTime.UtcNow - started).TotalMinutes:F1} min: test accuracy [bold]{final?.ValidationAccuracy:P2}[/] after {trainer.Epoch} epoch(s). " +
                                   $"Files in {Markup.Escape(folder.FullPath)}.");
            return Task.FromResult(0);
        });
        return command;
    }
}
