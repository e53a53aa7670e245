using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Training;

/// <summary>The objective owns label smoothing and mixing; the trainer's options only the loop's. Old checkpoints still resume.</summary>
public sealed class SupervisedObjectiveTests
{
    // Written by commit 0cdc2e1, when TrainerOptions held MixProbability: a 24-parameter model (pool, flatten, Linear(3, 6)),
    // TrainerOptions { Seed = 3, MixProbability = 0.5 }, one epoch on SyntheticShapes(16, seed 0), batches of 8 (seed 3).
    // The .txt holds that code's weights after resuming for a second epoch (float bits, hex).
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
    const string OldCheckpoint = "checkpoint-trainer-options-mixup.ckpt";

    static nn.Module<Tensor, Tensor> TinyModel() => nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 6));
    static DataLoader Loader()
    {
        var data = new SyntheticShapes(16, seed: 0);
        return new DataLoader(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 8, Seed = 3 });
    }

    [Fact]
    public void A_checkpoint_from_before_the_objective_owned_its_options_resumes_as_that_code_did()
    {
        using var folder = new TemporaryFolder();
        var copy = Path.Combine(folder.Path, OldCheckpoint);
        File.Copy(Fixture(OldCheckpoint), copy);
        var model = TinyModel();
        using var trainer = new Trainer(model, new TrainerOptions { Seed = 3 }, objective: new SupervisedObjective { MixProbability = 0.5 });
        trainer.LoadCheckpoint(copy);
        Assert.Equal(1, trainer.Epoch);
        trainer.Fit(Loader(), null, epochs: 2);
        var ours = model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
        var theirs = File.ReadAllText(Fixture("checkpoint-trainer-options-mixup.epoch2.txt")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(h => BitConverter.Int32BitsToSingle(Convert.ToInt32(h, 16))).ToArray();
        Assert.Equal(theirs.Length, ours.Length);
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - theirs[i]) <= 1e-5 * Math.Max(1, Math.Abs(theirs[i])), $"weight {i}: {ours[i]} vs {theirs[i]} from the old code");
    }

    [Fact]
    public void A_checkpoint_resumes_only_with_the_same_mixing()
    {
        using var folder = new TemporaryFolder();
        var copy = Path.Combine(folder.Path, OldCheckpoint);
        File.Copy(Fixture(OldCheckpoint), copy);
        using var trainer = new Trainer(TinyModel(), new TrainerOptions { Seed = 3 }, objective: new SupervisedObjective { MixProbability = 0 });
        var error = Assert.Throws<CheckpointException>(() => trainer.LoadCheckpoint(copy));
        Assert.Contains("another recipe", error.Message);
        Assert.Contains("--mixup", error.Message);
    }

    [Fact]
    public void Settings_out_of_range_are_refused_where_they_are_set()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SupervisedObjective { LabelSmoothing = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SupervisedObjective { MixProbability = 1.5 });
        var guide = new SupervisedObjective();
        Assert.Equal((0.1, 0.5), (guide.LabelSmoothing, guide.MixProbability));
        Assert.IsType<MixUp>(guide.Mix);
    }
}
