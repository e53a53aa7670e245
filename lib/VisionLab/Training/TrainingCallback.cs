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
    public virtual void OnEpochEnd(Trainer trainer, EpochMetrics epoch) { }
    public virtual void OnFitEnd(Trainer trainer) { }
}
