using VisionLab.Models;
using VisionLab.Training;

namespace VisionLab.Tests.Training;

public sealed class EvaluationResultTests
{
    [Fact]
    public void Confusion_matrix_per_class_accuracy_and_misclassified_images()
    {
        var result = new EvaluationResult(0.5, 4 / 6.0,
            Predictions: [0, 1, 1, 2, 2, 0], Labels: [0, 1, 2, 2, 2, 1], Indices: [10, 11, 12, 13, 14, 15], Classes: 3);
        var m = result.ConfusionMatrix();
        Assert.Equal(1, m[2, 1]);
        Assert.Equal(2, m[2, 2]);
        Assert.Equal(1, m[1, 0]);
        Assert.Equal([1.0, 0.5, 2 / 3.0], result.PerClassAccuracy());
        Assert.Equal([12, 15], result.Misclassified());
    }

    [Fact]
    public void Model_weights_load_from_a_checkpoint_alone()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "run.ckpt");
        TorchSharp.torch.manual_seed(5);
        using var source = new ModernCNN(10);
        using (var trainer = new Trainer(source)) trainer.SaveCheckpoint(path);
        TorchSharp.torch.manual_seed(6);
        using var target = new ModernCNN(10);
        Checkpoint.LoadModel(target, path);
        Assert.True(target.state_dict()["layer3.1.conv2.weight"].equal(source.state_dict()["layer3.1.conv2.weight"]).all().item<bool>());
        File.WriteAllText(path, "not a zip");
        Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(target, path));
    }
}
