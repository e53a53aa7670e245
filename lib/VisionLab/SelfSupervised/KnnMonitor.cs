using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.SelfSupervised;

/// <summary>
/// After every <paramref name="every"/> epochs, classifies <paramref name="queries"/> by their k nearest neighbours
/// among <paramref name="bank"/> in the encoder's feature space, and records it as the epoch's validation accuracy
/// (so progress displays and early stopping see it). Loaders without augmentation.
/// </summary>
public sealed class KnnMonitor(nn.Module<Tensor, Tensor> encoder, DataLoader bank, DataLoader queries, int k = 200, double temperature = 0.1, int every = 1) : TrainingCallback
{
    public List<(int Epoch, double Accuracy)> History { get; } = new();

    public override EpochMetrics OnEpochMeasured(Trainer trainer, EpochMetrics epoch)
    {
        if ((epoch.Epoch + 1) % every != 0) return epoch;
        double accuracy = Measure(trainer.Device);
        History.Add((epoch.Epoch, accuracy));
        return epoch with { ValidationAccuracy = accuracy };
    }

    /// <summary>The kNN accuracy of the encoder as it is now.</summary>
    public double Measure(Device? device = null)
    {
        using var bankFeatures = LabelledFeatures.Extract(encoder, bank, device);
        using var queryFeatures = LabelledFeatures.Extract(encoder, queries, device);
        return KnnClassifier.Accuracy(bankFeatures, queryFeatures, bank.Dataset.Classes.Count, k, temperature);
    }
}
