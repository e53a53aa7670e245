using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Training;

namespace VisionLab.Tests.Deploy;

/// <summary>Issue 18, cases 4 and 6: weights are identified by content and checked against the whole architecture.</summary>
public sealed class WeightFilesTests
{
    [Fact]
    public void The_TorchSharp_format_reader_sees_every_tensor_name_and_shape_without_loading()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "model.bin");
        using var model = VisionTransformer.Small32(10);
        model.save(path);
        var signature = TorchSharpWeightsFile.ReadSignature(path);
        var expected = ModelArchitecture.Signature(model);
        Assert.Equal(expected.Keys.Order(), signature.Keys.Order());
        Assert.All(expected, kv => Assert.Equal(kv.Value, signature[kv.Key]));

        var truncated = Path.Combine(folder.Path, "truncated.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(model, truncated));
        Assert.Contains(truncated, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Formats_are_told_apart_by_content_whatever_the_extension()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10, stem: CnnStem.Cifar);
        string Write(string name, Action<string> save) { var p = Path.Combine(folder.Path, name); save(p); return p; }
        Assert.Equal(WeightFormat.TorchSharp, WeightFiles.Identify(Write("a.pt", p => model.save(p))));
        Assert.Equal(WeightFormat.PyTorch, WeightFiles.Identify(Write("b.bin", p => { PyTorchWeights.Save(model, p + ".pt"); File.Move(p + ".pt", p); })));
        Assert.Equal(WeightFormat.Safetensors, WeightFiles.Identify(Write("c.weights", p => { PyTorchWeights.Save(model, p + ".safetensors"); File.Move(p + ".safetensors", p); })));
        using var trainer = new Trainer(model);
        Assert.Equal(WeightFormat.Checkpoint, WeightFiles.Identify(Write("d.bin", p => trainer.SaveCheckpoint(p))));
        // and each loads, whatever its name says
        foreach (var name in new[] { "a.pt", "b.bin", "c.weights", "d.bin" })
        {
            using var target = new ModernCNN(10, stem: CnnStem.Cifar);
            WeightFiles.Load(target, Path.Combine(folder.Path, name));
        }
    }

    [Fact]
    public void Weights_of_another_model_are_refused_with_the_model_they_fit()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "cifar-stem.bin");
        using (var cifar = new ModernCNN(10, stem: CnnStem.Cifar)) cifar.save(path);
        using var guide = new ModernCNN(10);
        var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(guide, path));
        Assert.Contains("conv1.weight is [64, 3, 3, 3] in the file, [64, 3, 7, 7] in the model", error.Message);
        Assert.Contains("--model modern-cnn-cifar", error.Message);
    }

    [Fact]
    public void A_post_norm_ViT_does_not_load_into_a_pre_norm_one_from_a_checkpoint_or_recorded_weights()
    {
        using var folder = new TemporaryFolder();
        using var postNorm = VisionTransformer.Small32(10);
        using var trainer = new Trainer(postNorm);
        var checkpoint = Path.Combine(folder.Path, "checkpoint.ckpt");
        trainer.SaveCheckpoint(checkpoint);
        var weights = Path.Combine(folder.Path, "model.bin");
        postNorm.save(weights);
        WeightFiles.WriteRecord(postNorm, weights);

        using var preNorm = VisionTransformer.Small32(10, normFirst: true);
        Assert.Contains("holds a VisionTransformer, post-norm, not a VisionTransformer, pre-norm",
            Assert.Throws<CheckpointException>(() => WeightFiles.Load(preNorm, checkpoint)).Message);
        using var preNormTrainer = new Trainer(preNorm);
        Assert.Throws<CheckpointException>(() => preNormTrainer.LoadCheckpoint(checkpoint));
        Assert.Contains("written by a VisionTransformer, post-norm", Assert.Throws<WeightFileException>(() => WeightFiles.Load(preNorm, weights)).Message);
        // the same architecture loads
        using var samePostNorm = VisionTransformer.Small32(10);
        WeightFiles.Load(samePostNorm, checkpoint);
        WeightFiles.Load(samePostNorm, weights);
    }

    [Fact]
    public void Metrics_that_are_not_finite_do_not_break_a_checkpoint()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10);
        using var trainer = new Trainer(model);
        trainer.History.Add(new EpochMetrics(0, double.NaN, 0.1, 3e-4, double.PositiveInfinity, 1, TimeSpan.FromSeconds(1)));
        var path = Path.Combine(folder.Path, "nan.ckpt");
        trainer.SaveCheckpoint(path);
        using var restored = new Trainer(new ModernCNN(10));
        restored.LoadCheckpoint(path);
        Assert.True(double.IsNaN(restored.History[0].TrainLoss));
        restored.Model.Dispose();
    }
}
