using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

/// <summary>Issue 17: a training step does not wait for the device; the arithmetic is the one before.</summary>
public sealed class TrainingStepTests
{
    static nn.Module<Tensor, Tensor> SmallNet() =>
        nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3, stride: 2), nn.BatchNorm2d(8), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10));

    sealed class Recorder : TrainingCallback
    {
        public List<StepMetrics> Steps { get; } = new();
        public override void OnBatchEnd(Trainer trainer, StepMetrics step) => Steps.Add(step);
    }

    [Fact]
    public void Steps_read_nothing_back_and_metrics_come_back_in_batches()
    {
        using var trainer = new Trainer(SmallNet(), new TrainerOptions { MetricsInterval = 4 }, device: CPU);
        var record = new Recorder();
        trainer.Callbacks.Add(record);
        var data = FashionMnist.Load(train: true).Take(160);
        var epoch = trainer.TrainEpoch(new DataLoader(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 10 }));
        // 16 steps: batch 0 alone (early feedback, the benchmark's warm-up mark), then 4 + 4 + 4 + 3 (the last at once).
        Assert.Equal(5, trainer.HostReads);
        Assert.Equal(Enumerable.Range(0, 16), record.Steps.Select(s => s.Batch));
        Assert.All(record.Steps, s => Assert.True(double.IsFinite(s.Loss) && s.GradientNorm > 0 && s.Accuracy is >= 0 and <= 1, s.ToString()));
        Assert.Equal(record.Steps.Average(s => s.Loss), epoch.TrainLoss, 5);
    }

    /// <summary>
    /// fp32: the trainer's step (packed parameters, multi-tensor AdamW, clipping on the device) against the step it
    /// replaced, run beside it in this process from the same weights and seeds: TorchSharp's per-tensor AdamW and
    /// clip_grad_norm_, the same objective and schedule. One epoch of 6 steps, MixUp on about half, clipping at 0.5.
    /// In-process, both sides use this CPU's kernels: a fixture from another kernel path differed by 5e-5 after 6 steps
    /// under MKL_CBWR=COMPATIBLE, where this comparison stays within 1e-5.
    /// </summary>
    [Fact]
    public void The_fp32_step_computes_what_the_per_tensor_step_computes()
    {
        var data = FashionMnist.Load(train: true).Take(96);
        DataLoader Loader() => new(data, GuidePipeline.Train(data.Format), new DataLoaderOptions { BatchSize = 16, Seed = 1 });
        manual_seed(0);
        var model = SmallNet();
        var reference = SmallNet();
        reference.load_state_dict(model.state_dict());
        using (var trainer = new Trainer(model, new TrainerOptions { Seed = 1, MaxGradientNorm = 0.5 }, device: CPU))
            trainer.TrainEpoch(Loader());

        var parameters = reference.parameters().ToList();
        using var objective = new SupervisedObjective();
        using var adamW = optim.AdamW(parameters, lr: 3e-4, weight_decay: 0.05);
        var schedule = new CosineAnnealingWarmRestarts(adamW, 10, 2);
        reference.train();
        var loader = Loader();
        int batch = 0;
        foreach (var b in loader.Epoch(0, CPU))
        {
            using var owned = b;
            using var scope = NewDisposeScope();
            objective.Compute(reference.call, b.Images, b.Labels, VisionLab.Core.Seeds.ForBatch(1, 0, batch)).Loss.backward();
            nn.utils.clip_grad_norm_(parameters, 0.5);
            adamW.step();
            adamW.zero_grad();
            schedule.Step(0 + (batch + 1.0) / loader.BatchCount);
            batch++;
        }
        var ours = model.state_dict().Values.SelectMany(t => t.detach().to(ScalarType.Float32).data<float>().ToArray()).ToArray();
        var theirs = reference.state_dict().Values.SelectMany(t => t.detach().to(ScalarType.Float32).data<float>().ToArray()).ToArray();
        Assert.Equal(6, batch);
        Assert.Equal(theirs.Length, ours.Length);
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-5 * Math.Max(1, Math.Abs(theirs[i])), $"value {i}: {ours[i]} packed, {theirs[i]} per tensor");
    }

    // fp16 with loss scaling and master weights: written by the trainer before issue 17 (commit 9a65907: libtorch's
    // clip_grad_norm_, per-step read-backs) from the same seeds: one epoch of 6 steps with MixUp on half the batches and
    // clipping at 0.5, every state-dict value (hex bits). fp16's rounding dwarfs the kernel paths' last bits (it also
    // passes under MKL_CBWR=COMPATIBLE).
    [Theory]
    [InlineData(Precision.Float16, 1e-3)]
    public void The_step_computes_what_it_computed_before(Precision precision, double tolerance)
    {
        manual_seed(0);
        var model = SmallNet();
        var data = FashionMnist.Load(train: true).Take(96);
        var options = new TrainerOptions { Seed = 1, MaxGradientNorm = 0.5, Precision = precision, AllowReducedPrecisionOnCpu = true };
        using var trainer = new Trainer(model, options, device: CPU);
        trainer.TrainEpoch(new DataLoader(data, GuidePipeline.Train(data.Format), new DataLoaderOptions { BatchSize = 16, Seed = 1 }));
        var ours = model.state_dict().Values.SelectMany(t => t.detach().cpu().to(ScalarType.Float32).data<float>().ToArray()).ToArray();
        var name = precision == Precision.Float16 ? "fp16" : "fp32";
        var before = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"training-step-before-17-{name}.txt"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(h => BitConverter.Int32BitsToSingle(Convert.ToInt32(h, 16))).ToArray();
        Assert.Equal(before.Length, ours.Length);
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - before[i]) <= tolerance * Math.Max(1, Math.Abs(before[i])), $"value {i}: {ours[i]} now, {before[i]} before");
    }
}
