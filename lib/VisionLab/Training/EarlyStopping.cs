namespace VisionLab.Training;

/// <summary>Stops when the validation accuracy has not improved by <paramref name="MinDelta"/> for <paramref name="Patience"/> epochs.</summary>
public sealed class EarlyStopping(int patience, double minDelta = 0) : TrainingCallback
{
    public int Patience { get; } = patience;
    public double MinDelta { get; } = minDelta;
    public double Best { get; private set; } = double.NegativeInfinity;
    public int BestEpoch { get; private set; } = -1;
    public int EpochsWithoutImprovement { get; private set; }

    public override void OnEpochEnd(Trainer trainer, EpochMetrics epoch)
    {
        var metric = epoch.ValidationAccuracy ?? throw new InvalidOperationException("EarlyStopping watches the validation accuracy: pass a validation loader to Fit.");
        if (metric > Best + MinDelta)
        {
            (Best, BestEpoch, EpochsWithoutImprovement) = (metric, epoch.Epoch, 0);
            return;
        }
        if (++EpochsWithoutImprovement >= Patience) trainer.StopRequested = true;
    }
}
