using VisionLab.Models;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Training;

/// <summary>One model's result in a comparison: size, accuracy, training speed and its curves.</summary>
public sealed record ComparedModel(string Name, long Parameters, double Accuracy, double TrainImagesPerSecond, TimeSpan TrainTime,
    IReadOnlyList<EpochMetrics> History);

/// <summary>
/// Trains several models with the same trainer recipe, data and epoch budget, one after the other, and reports
/// each one's test accuracy, parameters and training images/s (the guide's "Model Selection" question, measured).
/// </summary>
public static class ModelComparison
{
    /// <summary>Trains <paramref name="model"/> (the caller keeps ownership) and evaluates it on <paramref name="test"/>.</summary>
    public static ComparedModel Train(string name, nn.Module<Tensor, Tensor> model, DataLoader train, DataLoader test, int epochs,
        TrainerOptions? options = null, IEnumerable<TrainingCallback>? callbacks = null, ITrainingObjective? objective = null, CancellationToken cancellationToken = default)
    {
        using var trainer = new Trainer(model, options, objective: objective);
        trainer.Callbacks.AddRange(callbacks ?? []);
        var history = trainer.Fit(train, test, epochs, cancellationToken).ToList();
        double accuracy = history.Count > 0 && history[^1].ValidationAccuracy is { } last ? last : trainer.Evaluate(test, cancellationToken).Accuracy;
        var time = TimeSpan.FromTicks(history.Sum(h => h.Elapsed.Ticks));
        double imagesPerSecond = history.Count == 0 ? 0 : history.Sum(h => h.ImagesPerSecond * h.Elapsed.TotalSeconds) / Math.Max(time.TotalSeconds, 1e-9);
        return new ComparedModel(name, ModelSummary.ParameterCount(model), accuracy, imagesPerSecond, time, history);
    }
}
