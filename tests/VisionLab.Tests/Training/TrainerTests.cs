using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

using VisionLab.Core;

namespace VisionLab.Tests.Training;

[Collection(GarbageCollectingTests.Name)]
public sealed class TrainerTests
{
    static readonly InMemoryImageDataset Data = FashionMnist.Load(train: true).Take(96);

    static DataLoader Loader(int batchSize = 16, bool shuffle = true, IImageTransform? transform = null) =>
        new(Data, transform ?? GuidePipeline.Train(Data.Format), new DataLoaderOptions { BatchSize = batchSize, Shuffle = shuffle, Seed = 5, Workers = 2 });

    static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    static TrainerOptions Recipe => new() { Seed = 3, RestartPeriod = 2 };

    [Fact]
    public void A_resumed_run_equals_an_uninterrupted_one()
    {
        using var folder = new TemporaryFolder();
        var checkpoint = Path.Combine(folder.Path, "run.ckpt");
        manual_seed(1);
        using var straightModel = new ModernCNN(10);
        manual_seed(1);
        using var firstHalfModel = new ModernCNN(10);
        manual_seed(99); // a different initialisation: everything must come from the checkpoint
        using var resumedModel = new ModernCNN(10);

        double straightLearningRate;
        IReadOnlyList<EpochMetrics> straightHistory;
        using (var straight = new Trainer(straightModel, Recipe))
        {
            straightHistory = straight.Fit(Loader(), Loader(shuffle: false), epochs: 2).ToList();
            straightLearningRate = straight.Scheduler.LearningRate;
        }
        using (var first = new Trainer(firstHalfModel, Recipe))
        {
            first.Fit(Loader(), Loader(shuffle: false), epochs: 1);
            first.SaveCheckpoint(checkpoint);
        }
        using var resumed = new Trainer(resumedModel, Recipe);
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(1, resumed.Epoch);
        resumed.Fit(Loader(), Loader(shuffle: false), epochs: 1);

        using var scope = NewDisposeScope();
        var expected = Snapshot(straightModel);
        foreach (var (name, value) in Snapshot(resumedModel))
            Assert.True(value.equal(expected[name]).all().item<bool>(), $"{name} differs after resuming");
        Assert.Equal(straightLearningRate, resumed.Scheduler.LearningRate);
        Assert.Equal(straightHistory.Select(h => (h.TrainLoss, h.ValidationAccuracy)), resumed.History.Select(h => (h.TrainLoss, h.ValidationAccuracy)));
    }

    [Fact]
    public void Training_continues_after_each_epoch_checkpoint_and_the_last_one_holds_the_final_model()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "every-epoch.ckpt");
        using var model = new ModernCNN(10);
        using var trainer = new Trainer(model, Recipe);
        trainer.Callbacks.Add(new CheckpointEveryEpoch(path));
        trainer.Fit(Loader(batchSize: 32), null, epochs: 3);
        using var reloaded = new ModernCNN(10);
        Checkpoint.LoadModel(reloaded, path);
        using var scope = NewDisposeScope();
        var expected = Snapshot(model);
        Assert.All(Snapshot(reloaded), kv => Assert.True(kv.Value.equal(expected[kv.Key]).all().item<bool>(), kv.Key));
    }

    [Fact]
    public void Truncated_corrupt_or_mismatched_checkpoints_are_clear_errors()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "good.ckpt");
        using var model = new ModernCNN(10);
        using var trainer = new Trainer(model, Recipe);
        trainer.SaveCheckpoint(path);
        var bytes = File.ReadAllBytes(path);

        var truncated = Path.Combine(folder.Path, "truncated.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated or corrupt", Assert.Throws<CheckpointException>(() => trainer.LoadCheckpoint(truncated)).Message);

        var corrupt = Path.Combine(folder.Path, "corrupt.ckpt");
        var damaged = (byte[])bytes.Clone();
        for (int i = bytes.Length / 3; i < bytes.Length / 3 + 4096; i++) damaged[i] ^= 0x5A;
        File.WriteAllBytes(corrupt, damaged);
        Assert.ThrowsAny<CheckpointException>(() => trainer.LoadCheckpoint(corrupt));

        using var otherRecipe = new Trainer(new ModernCNN(10), Recipe with { LearningRate = 1e-3 });
        var recipe = Assert.Throws<CheckpointException>(() => otherRecipe.LoadCheckpoint(path)).Message;
        Assert.Contains("another recipe", recipe);
        Assert.Contains("0.001 now", recipe);   // names the option and both values, nothing else
        Assert.DoesNotContain("--seed", recipe);
        Assert.Throws<FileNotFoundException>(() => trainer.LoadCheckpoint(Path.Combine(folder.Path, "missing.ckpt")));

        // Final weights where a checkpoint belongs (train --resume model.bin): said as such, not "corrupt".
        var weights = Path.Combine(folder.Path, "model.bin");
        model.save(weights);
        var notCheckpoint = Assert.Throws<CheckpointException>(() => trainer.LoadCheckpoint(weights)).Message;
        Assert.Contains("not a training checkpoint", notCheckpoint);
        Assert.DoesNotContain("corrupt", notCheckpoint);
    }

    [Fact]
    public void Saving_over_a_checkpoint_is_atomic()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "run.ckpt");
        using var trainer = new Trainer(new ModernCNN(10), Recipe);
        trainer.SaveCheckpoint(path);
        trainer.SaveCheckpoint(path);
        Assert.Equal(["run.ckpt"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        trainer.LoadCheckpoint(path);
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Gradient_accumulation_equals_one_larger_batch()
    {
        // A model without batch norm, so two half batches see exactly what one full batch sees.
        IImageTransform plain = new ToTensor();
        Tensor[] Train(int batchSize, int accumulation)
        {
            manual_seed(4);
            var model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10));
            var options = new TrainerOptions { MaxGradientNorm = null, AccumulationSteps = accumulation, LearningRate = 1e-2 };
            using var trainer = new Trainer(model, options, objective: new SupervisedObjective { MixProbability = 0 });
            trainer.TrainEpoch(new DataLoader(Data.Take(32), plain, new DataLoaderOptions { BatchSize = batchSize, Shuffle = false }));
            return model.parameters().Select(p => p.detach().clone()).ToArray();
        }
        using var scope = NewDisposeScope();
        var large = Train(32, 1);
        var accumulated = Train(8, 4);
        for (int i = 0; i < large.Length; i++)
            Assert.True(large[i].allclose(accumulated[i], rtol: 1e-4, atol: 1e-6), $"parameter {i} differs");
    }

    [Fact]
    public void Mixing_is_decided_per_batch_with_its_probability()
    {
        var record = new Recorder();
        using var trainer = new Trainer(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)), objective: new SupervisedObjective { MixProbability = 0.5 });
        trainer.Callbacks.Add(record);
        var data = FashionMnist.Load(train: true).Take(2000);
        var loader = new DataLoader(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 10 });
        trainer.TrainEpoch(loader);
        Assert.Equal(200, record.Steps.Count);
        Assert.InRange(record.Steps.Count(s => s.Mixed), 70, 130);
        Assert.All(record.Steps, s => Assert.InRange(s.Accuracy, 0, 1));
        Assert.All(record.Steps, s => Assert.True(s.GradientNorm >= 0));
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement()
    {
        using var trainer = new Trainer(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), new TrainerOptions());
        var stop = new EarlyStopping(patience: 2);
        foreach (var (epoch, accuracy) in new[] { (0, 0.5), (1, 0.6), (2, 0.59), (3, 0.6) })
        {
            stop.OnEpochEnd(trainer, new EpochMetrics(epoch, 0, 0, 0, 0, 0, TimeSpan.Zero, 0, accuracy));
            Assert.Equal(epoch == 3, trainer.StopRequested);
        }
        Assert.Equal(1, stop.BestEpoch);
    }

    [Fact]
    public void Training_leaves_no_tensor_behind_across_epochs()
    {
        using var trainer = new Trainer(new ModernCNN(10), Recipe);
        var loader = Loader(batchSize: 32);
        trainer.Fit(loader, loader, epochs: 1);
        long afterFirst = LiveTensors.Count();
        trainer.Fit(loader, loader, epochs: 2);
        Assert.Equal(afterFirst, LiveTensors.Count());
    }

    [Fact]
    public void Norms_and_biases_can_be_exempted_from_weight_decay()
    {
        using var model = new ModernCNN(10);
        using var plain = new Trainer(model, Recipe);
        Assert.Equal([0.05], plain.Optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().Select(g => g.Options.weight_decay!.Value));
        using var exempting = new Trainer(model, Recipe with { ExemptNormAndBiasFromDecay = true });
        var groups = exempting.Optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().ToList();
        Assert.Equal([0.05, 0.0], groups.Select(g => g.Options.weight_decay!.Value));
        Assert.All(groups[0].Parameters, p => Assert.True(p.dim() > 1));
        Assert.All(groups[1].Parameters, p => Assert.Equal(1, p.dim()));
        Assert.Equal(model.parameters().Count(), groups.Sum(g => g.Parameters.Count()));
    }

    [Fact]
    public void On_the_CPU_the_trainer_runs_fp32_and_says_so()
    {
        using var trainer = new Trainer(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), new TrainerOptions(), CPU);
        Assert.Equal(Precision.Float32, trainer.Precision);
        Assert.False(trainer.Scaler.Enabled);
        Assert.Contains("needs CUDA", trainer.PrecisionNote);
        Assert.Throws<NotSupportedException>(() => new Trainer(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), new TrainerOptions { Precision = Precision.Float16 }, CPU));
    }

    sealed class Recorder : TrainingCallback
    {
        public List<StepMetrics> Steps { get; } = new();
        public override void OnBatchEnd(Trainer trainer, StepMetrics step) => Steps.Add(step);
    }

    sealed class EpochRecorder : TrainingCallback
    {
        public List<EpochMetrics> Epochs { get; } = new();
        public override void OnEpochEnd(Trainer trainer, EpochMetrics epoch) => Epochs.Add(epoch);
    }

    sealed class FixedAccuracy : TrainingCallback
    {
        public override EpochMetrics OnEpochMeasured(Trainer trainer, EpochMetrics epoch) => epoch with { ValidationAccuracy = 0.42 };
    }

    [Fact]
    public void A_display_added_before_a_measuring_callback_still_sees_its_measurement()
    {
        using var trainer = new Trainer(nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10)), objective: new SupervisedObjective { MixProbability = 0 });
        var display = new EpochRecorder();
        trainer.Callbacks.Add(display);            // first, as a notebook adds its progress
        trainer.Callbacks.Add(new FixedAccuracy());  // then a monitor that measures
        trainer.Fit(Loader(batchSize: 32, transform: GuidePipeline.Evaluate(Data.Format)), null, epochs: 2);
        Assert.Equal([0.42, 0.42], display.Epochs.Select(e => e.ValidationAccuracy));
        Assert.Equal(display.Epochs, trainer.History);
    }

}
