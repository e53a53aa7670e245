namespace VisionLab.Training;

/// <summary>One optimisation step's numbers.</summary>
public sealed record StepMetrics(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double LearningRate, double GradientNorm, double ImagesPerSecond, bool Mixed, bool Skipped);

/// <summary>
/// One epoch's numbers; validation ones are null without a validation set. ProcessMemoryBytes is the process's
/// resident memory (working set) when the epoch's training ended, garbage included; RetainedMemoryBytes, filled in by
/// the <see cref="RetainedMemory"/> callback, is the resident memory after a collection: flat when nothing leaks.
/// </summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double LearningRate, double MeanGradientNorm,
    double ImagesPerSecond, TimeSpan Elapsed, double? ValidationLoss = null, double? ValidationAccuracy = null, long? ProcessMemoryBytes = null,
    long? RetainedMemoryBytes = null);

/// <summary>Predictions on a labelled set.</summary>
public sealed record EvaluationResult(double Loss, double Accuracy, int[] Predictions, int[] Labels, int[] Indices, int Classes)
{
    /// <summary>counts[true, predicted].</summary>
    public int[,] ConfusionMatrix()
    {
        var counts = new int[Classes, Classes];
        for (int i = 0; i < Labels.Length; i++) counts[Labels[i], Predictions[i]]++;
        return counts;
    }

    public double[] PerClassAccuracy()
    {
        var m = ConfusionMatrix();
        return Enumerable.Range(0, Classes).Select(c =>
        {
            int total = Enumerable.Range(0, Classes).Sum(p => m[c, p]);
            return total == 0 ? double.NaN : (double)m[c, c] / total;
        }).ToArray();
    }

    /// <summary>Dataset indices of misclassified images, in evaluation order.</summary>
    public IEnumerable<int> Misclassified() => Enumerable.Range(0, Labels.Length).Where(i => Labels[i] != Predictions[i]).Select(i => Indices[i]);
}
