using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using VisionLab.SelfSupervised;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.SelfSupervised;

/// <summary>SimCLR through the shared trainer: the loss falls, the kNN monitor reports, checkpoints resume exactly, nothing leaks.</summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class ContrastiveTrainingTests
{
    static readonly InMemoryImageDataset Data = FashionMnist.Load(train: true).Take(64);
    static readonly InMemoryImageDataset Test = FashionMnist.Load(train: false).Take(40);

    const string Name = "contrastive";

    static DataLoader Pairs() => new(Data, SimClrAugmentation.Pairs(Data.Format), new DataLoaderOptions { BatchSize = 16, DropLast = true, Seed = Numerics.Seeded(2) });
    static DataLoader Plain(IImageDataset data) => new(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 32, Shuffle = false });
    static TrainerOptions Recipe => new() { LearningRate = 1e-3, RestartPeriod = 3, Seed = Numerics.Seeded(1) };

    [Fact]
    [Trait("Category", "Numerics")]
    public void Pre_training_lowers_the_loss_reports_kNN_and_resumes_exactly()
    {
        using var folder = new TemporaryFolder();
        var checkpoint = Path.Combine(folder.Path, "simclr.ckpt");
        manual_seed(Numerics.Seeded(4));
        using var straight = SimClr.WithModernCnn();
        manual_seed(Numerics.Seeded(4));
        using var interrupted = SimClr.WithModernCnn();

        IReadOnlyList<EpochMetrics> history;
        using (var trainer = new Trainer(straight, Recipe, objective: new ContrastiveObjective(0.1)))
        {
            var knn = new KnnMonitor(straight.Encoder, Plain(Data), Plain(Test), k: 10);
            trainer.Callbacks.Add(knn);
            history = trainer.Fit(Pairs(), null, epochs: 3).ToList();
            Assert.Equal(3, knn.History.Count);
        }
        Numerics.Report(Name, "final_train_loss", history[^1].TrainLoss);
        Numerics.Report(Name, "loss_last_over_first", history[^1].TrainLoss / history[0].TrainLoss);
        Assert.All(history, h => Assert.InRange(h.ValidationAccuracy!.Value, 0.0, 1.0));

        using (var first = new Trainer(interrupted, Recipe, objective: new ContrastiveObjective(0.1)))
        {
            first.Fit(Pairs(), null, epochs: 2);
            first.SaveCheckpoint(checkpoint);
        }
        manual_seed(77);
        using var resumedModel = SimClr.WithModernCnn();
        using var resumed = new Trainer(resumedModel, Recipe, objective: new ContrastiveObjective(0.1));
        resumed.LoadCheckpoint(checkpoint);
        resumed.Fit(Pairs(), null, epochs: 1);
        Assert.Equal(history[^1].TrainLoss, resumed.History[^1].TrainLoss);
        using var scope = NewDisposeScope();
        var expected = straight.state_dict();
        foreach (var (name, value) in resumedModel.state_dict())
            Assert.True(value.eq(expected[name]).all().item<bool>(), $"{name} differs after resuming");

        // Did pre-training lower the loss? Each epoch's mean loss is a poor witness: 4 batches of fresh random views,
        // so epoch 3 came out above epoch 1 for one seed of five (3.35 → 2.87 → 3.40) on every kernel path. The same
        // views before and after training are a steady one (spread beside MaximumLossRatio).
        manual_seed(Numerics.Seeded(4));
        using var untrained = SimClr.WithModernCnn();
        double before = FixedPairsLoss(untrained), after = FixedPairsLoss(straight);
        Numerics.Report(Name, "fixed_pairs_loss_after_over_before", after / before);
        Assert.True(after < MaximumLossRatio * before, $"NT-Xent on the same 64 pairs of views: {before:F3} untrained, {after:F3} after 3 epochs (ratio {after / before:F3}, ceiling {MaximumLossRatio}); the epoch losses were {string.Join(" → ", history.Select(h => h.TrainLoss))}");
    }

    /// <summary>
    /// Ceiling on (loss after 3 epochs) / (loss untrained) on the same views; 1 means nothing was learnt. Measured
    /// 2026-11-30 on a 2-core AMD EPYC, seeds 0-4 x (default, MKL_CBWR=COMPATIBLE, ONEDNN_MAX_CPU_ISA=SSE41): 15 runs,
    /// 0.734 to 0.868, mean 0.818 (tests/numerics/spread.tsv); again on the packed trainer (2026-12-01), 15 runs, 0.729
    /// to 0.859, mean 0.817. The epoch-mean ratio it replaces ranged 0.677 to 1.032.
    /// </summary>
    const double MaximumLossRatio = 0.93;

    /// <summary>Mean NT-Xent over every pair batch of epoch 0 (the same views for every model), batch statistics as in training.</summary>
    static double FixedPairsLoss(SimClr model)
    {
        model.train();
        using var noGrad = no_grad();
        double total = 0;
        int batches = 0;
        foreach (var batch in Pairs().Epoch(0))
        {
            using var scope = NewDisposeScope();
            using (batch)
            {
                var z = model.call(TwoViews.Flatten(batch.Images)).chunk(2);
                total += NtXent.Loss(z[0], z[1], 0.1).item<float>();
                batches++;
            }
        }
        return total / batches;
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Linear_probe_and_kNN_classify_separable_features_and_leave_no_tensor()
    {
        long before = LiveTensors.Count();
        var generator = new Generator((ulong)Numerics.Seeded(0));
        LabelledFeatures Clusters(int perClass)
        {
            using var scope = NewDisposeScope();
            var labels = arange(3).repeat_interleave(perClass);
            var centres = randn(3, 8, generator: generator) * 4;
            var features = centres[labels] + randn(3 * perClass, 8, generator: generator);
            return new LabelledFeatures(features.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
        }
        using (var train = Clusters(50))
        {
            // Every other training point as the "test" set: same clusters.
            using var sameTest = new LabelledFeatures(train.Features.slice(0, 0, 150, 2), train.Labels.slice(0, 0, 150, 2));
            var probe = LinearProbe.Train(train, sameTest, 3, new LinearProbeOptions { Epochs = 30, Seed = Numerics.Seeded(0) });
            double knn = KnnClassifier.Accuracy(train, sameTest, 3, k: 5);
            Numerics.Report(Name, "probe_accuracy", probe.FinalTestAccuracy);
            Numerics.Report(Name, "knn_accuracy", knn);
            Assert.True(probe.FinalTestAccuracy > 0.95, $"linear probe {probe.FinalTestAccuracy:P1}");
            Assert.Equal(30, probe.TestAccuracy.Count);
            Assert.True(knn > 0.95, $"kNN {knn:P1}");
            using var wrongWidth = zeros(2, 5);
            Assert.Throws<ArgumentException>(() => KnnClassifier.Predict(train, wrongWidth, 3));
        }
        Assert.Equal(before, LiveTensors.Count());
    }
}
