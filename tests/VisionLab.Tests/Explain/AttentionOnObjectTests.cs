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

        // Measured (tests/numerics/spread.tsv, 2 threads, 2026-11-30, AMD EPYC), seeds 0-4 x (default kernels,
        // MKL_CBWR=COMPATIBLE, ONEDNN_MAX_CPU_ISA=SSE41), 15 runs, mean [min, max]: accuracy 0.998 [0.997, 1.000]; over
        // the uniform share (0.217) of mass on the object's patches: last layer 0.242 [0.177, 0.340], rollout 0.204
        // [0.177, 0.231]; rollout peaks on the object 0.921 [0.870, 0.950]; last-layer maps with over half their mass on
        // it 0.433 [0.287, 0.599]; trained minus untrained last layer 0.236 [0.173, 0.344] (untrained 0.223 [0.208,
        // 0.246]). The figures are identical to the fourth digit on the three kernel paths (and, for notebook 05's
        // default run, on an Intel Xeon with AVX-512): the ViT's training does not take the paths that differ; the
        // seed moves them. Each floor sits well under the minimum and well above an untrained ViT or chance: a peak
        // placed at random lands on the object in ~22 % of the images, and an untrained map almost never puts half its
        // mass there. (Seed 4 took "mostly on the object" to 0.287, under the earlier floor 0.3.)
        Assert.True(trained.Accuracy >= 0.9, $"accuracy {trained.Accuracy:P1}");
        Assert.True(trained.MeanLastLayer >= trained.MeanUniform + 0.1, $"last-layer share on the object {trained.MeanLastLayer:P1} (uniform {trained.MeanUniform:P1})");
        Assert.True(trained.MeanRollout >= trained.MeanUniform + 0.1, $"rollout share on the object {trained.MeanRollout:P1} (uniform {trained.MeanUniform:P1})");
        Assert.True(trained.PeakOnObjectRollout >= 0.7, $"rollout peaks on the object in {trained.PeakOnObjectRollout:P1} of the images");
        Assert.True(trained.MostlyOnObjectLastLayer >= 0.15, $"images with most last-layer mass on the object: {trained.MostlyOnObjectLastLayer:P1}");
        Assert.True(untrained.MeanLastLayer <= trained.MeanLastLayer - 0.1, $"untrained {untrained.MeanLastLayer:P1} vs trained {trained.MeanLastLayer:P1}");
    }
}
