using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

/// <summary>
/// The mixed-precision path (fp16/bf16 compute, fp32 master weights, loss scaling for fp16), run on the CPU
/// because libtorch computes both there too; on CUDA the same code runs with Precision.Auto.
/// </summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class MixedPrecisionTests
{
    static readonly InMemoryImageDataset Data = FashionMnist.Load(train: true).Take(64);
    static DataLoader Loader() => new(Data, GuidePipeline.Train(Data.Format), new DataLoaderOptions { BatchSize = 16, Seed = 2 });

    static TrainerOptions Reduced(Precision precision) => new() { Precision = precision, AllowReducedPrecisionOnCpu = true, Seed = 1 };

    [Theory]
    [InlineData(Precision.Float16, ScalarType.Float16)]
    [InlineData(Precision.BFloat16, ScalarType.BFloat16)]
    public void The_model_computes_in_reduced_precision_and_the_optimizer_updates_fp32_masters(Precision precision, ScalarType computeType)
    {
        manual_seed(0);
        using var model = new ModernCNN(10);
        using var trainer = new Trainer(model, Reduced(precision));
        Assert.All(model.parameters(), p => Assert.Equal(computeType, p.dtype));
        Assert.All(trainer.Masters!.Masters, p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(precision == Precision.Float16, trainer.Scaler.Enabled);
        using var before = trainer.Masters.Masters[0].detach().clone();
        var metrics = trainer.TrainEpoch(Loader());
        Assert.True(double.IsFinite(metrics.TrainLoss));
        Assert.False(trainer.Masters.Masters[0].equal(before).all().item<bool>(), "masters did not move");
        // The model holds the masters rounded to the compute type.
        using var rounded = trainer.Masters.Masters[0].to(computeType);
        Assert.True(model.parameters().First().equal(rounded).all().item<bool>());
    }

    [Fact]
    public void An_fp16_overflow_skips_the_step_and_backs_off_the_scale()
    {
        manual_seed(0);
        using var model = new ModernCNN(10);
        using var trainer = new Trainer(model, Reduced(Precision.Float16), objective: new SupervisedObjective { MixProbability = 0 });
        // Force the first steps to overflow: a scale far beyond fp16's range.
        trainer.Scaler.Restore(new GradScalerState(1e30, 0, 0));
        using var before = trainer.Masters!.Masters[0].detach().clone();
        var skippedSteps = new List<bool>();
        trainer.Callbacks.Add(new StepRecorder(skippedSteps));
        trainer.TrainEpoch(Loader());
        Assert.True(skippedSteps[0], "the overflowing first step was not skipped");
        Assert.True(trainer.Scaler.Scale <= 1e30 * Math.Pow(0.5, skippedSteps.Count(s => s)) * 1.0001);
        Assert.Equal(skippedSteps.Count(s => s), trainer.Scaler.SkippedSteps);
    }

    [Fact]
    public void A_resumed_fp16_run_equals_an_uninterrupted_one()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "fp16.ckpt");
        manual_seed(3);
        using var straightModel = new ModernCNN(10);
        manual_seed(3);
        using var firstModel = new ModernCNN(10);
        manual_seed(7);
        using var resumedModel = new ModernCNN(10);
        using (var straight = new Trainer(straightModel, Reduced(Precision.Float16))) straight.Fit(Loader(), null, 2);
        using (var first = new Trainer(firstModel, Reduced(Precision.Float16)))
        {
            first.Fit(Loader(), null, 1);
            first.SaveCheckpoint(path);
        }
        using var resumed = new Trainer(resumedModel, Reduced(Precision.Float16));
        resumed.LoadCheckpoint(path);
        resumed.Fit(Loader(), null, 1);
        using var scope = NewDisposeScope();
        var expected = straightModel.state_dict();
        foreach (var (name, value) in resumedModel.state_dict())
            Assert.True(value.equal(expected[name]).all().item<bool>(), $"{name} differs");
    }

    [Fact]
    public void Mixed_precision_training_leaves_no_tensor_behind()
    {
        long before = LiveTensors.Count();
        using (var model = new ModernCNN(10))
        using (var trainer = new Trainer(model, Reduced(Precision.BFloat16)))
            trainer.TrainEpoch(Loader());
        Assert.Equal(before, LiveTensors.Count());
    }

    sealed class StepRecorder(List<bool> skipped) : TrainingCallback
    {
        public override void OnBatchEnd(Trainer trainer, StepMetrics step) => skipped.Add(step.Skipped);
    }
}
