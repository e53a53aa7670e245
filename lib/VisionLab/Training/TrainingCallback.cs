namespace VisionLab.Training;

/// <summary>
/// Something that runs at the trainer's named points (fastai-style): progress displays, early stopping,
/// checkpoints. Override what you need; set <see cref="Trainer.StopRequested"/> to end training after the epoch.
/// </summary>
public abstract class TrainingCallback
{
    public virtual void OnFitStart(Trainer trainer, int epochs) { }
    public virtual void OnEpochStart(Trainer trainer, int epoch, int batches) { }
    public virtual void OnBatchEnd(Trainer trainer, StepMetrics step) { }
    /// <summary>
    /// Adds this callback's measurements to the epoch's metrics (a kNN accuracy, retained memory). Every callback's runs
    /// before any <see cref="OnEpochEnd"/>, so what a display or early stopping sees does not depend on the order callbacks were added.
    /// </summary>
    public virtual EpochMetrics OnEpochMeasured(Trainer trainer, EpochMetrics epoch) => epoch;
    /// <summary>The epoch's final metrics, as recorded in <see cref="Trainer.History"/>.</summary>
    public virtual void OnEpochEnd(Trainer trainer, EpochMetrics epoch) { }
    public virtual void OnFitEnd(Trainer trainer) { }
}
