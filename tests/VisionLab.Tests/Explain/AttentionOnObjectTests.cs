using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Explain;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Explain;

/// <summary>
/// The criterion: on images whose object is known, a trained ViT's class-token attention and rollout put
/// most of their mass on the object. About a minute of training on two cores.
/// </summary>
public sealed class AttentionOnObjectTests
{
    const string Name = "attention";

    [Fact]
    [Trait("Category", "Numerics")]
    public void A_trained_ViT_looks_at_the_object_an_untrained_one_does_not()
    {
        var train = new SyntheticShapes(2000, seed: 0, task: SyntheticTask.Pattern);
        var test = new SyntheticShapes(300, seed: 1, task: SyntheticTask.Pattern);
        int seed = Numerics.Seeded(0);
        manual_seed(seed);
        using var vit = VisionTransformer.Small32(numClasses: train.Classes.Count);
        var untrained = AttentionLocalization.Measure(vit, test, GuidePipeline.Evaluate(test.Format));
        using (var trainer = new Trainer(vit, new TrainerOptions { Seed = seed }, objective: new SupervisedObjective { MixProbability = 0 }))
        {
            var history = trainer.Fit(new DataLoader(train, GuidePipeline.Evaluate(train.Format), new DataLoaderOptions { BatchSize = 32, Seed = seed }), null, epochs: 2);
            Numerics.Report(Name, "final_train_loss", history[^1].TrainLoss);   // tells whether a configuration changed the arithmetic
        }
        var trained = AttentionLocalization.Measure(vit, test, GuidePipeline.Evaluate(test.Format));
        Numerics.Report(Name, "accuracy", trained.Accuracy);
        Numerics.Report(Name, "last_layer_over_uniform", trained.MeanLastLayer - trained.MeanUniform);
        Numerics.Report(Name, "rollout_over_uniform", trained.MeanRollout - trained.MeanUniform);
        Numerics.Report(Name, "rollout_peak_on_object", trained.PeakOnObjectRollout);
        Numerics.Report(Name, "last_layer_mostly_on_object", trained.MostlyOnObjectLastLayer);
        Numerics.Report(Name, "trained_minus_untrained_last_layer", trained.MeanLastLayer - untrained.MeanLastLayer);
        Numerics.Report(Name, "uniform", trained.MeanUniform);
        Numerics.Report(Name, "untrained_last_layer", untrained.MeanLastLayer);

        // Measured here (seed 0, 2026-11-27): accuracy 99.7 %; share of mass on the object's patches: last layer
        // (head mean) 46.8 %, rollout 43.5 %, uniform 21.7 %, untrained 22.7 %; rollout peaks on the object in 95.0 %
        // of the images, the last layer in 73.2 %; 47.5 % of the last-layer maps put over half their mass on it.
        // The same figures to the fourth digit under MKL_CBWR=COMPATIBLE here (tests/numerics/spread.tsv, 2026-11-30) and,
        // for notebook 05's default run of this experiment, on an Intel Xeon with AVX-512 (issue 15): the ViT's training
        // does not take the kernel paths that differ. The floors leave 0.1 or more under each figure.
        Assert.True(trained.Accuracy >= 0.9, $"accuracy {trained.Accuracy:P1}");
        Assert.True(trained.MeanLastLayer >= trained.MeanUniform + 0.15, $"last-layer share on the object {trained.MeanLastLayer:P1} (uniform {trained.MeanUniform:P1})");
        Assert.True(trained.MeanRollout >= trained.MeanUniform + 0.1, $"rollout share on the object {trained.MeanRollout:P1} (uniform {trained.MeanUniform:P1})");
        Assert.True(trained.PeakOnObjectRollout >= 0.85, $"rollout peaks on the object in {trained.PeakOnObjectRollout:P1} of the images");
        Assert.True(trained.MostlyOnObjectLastLayer >= 0.3, $"images with most last-layer mass on the object: {trained.MostlyOnObjectLastLayer:P1}");
        Assert.True(untrained.MeanLastLayer <= trained.MeanLastLayer - 0.15, $"untrained {untrained.MeanLastLayer:P1} vs trained {trained.MeanLastLayer:P1}");
    }
}
