namespace VisionLab.Training;

/// <summary>Writes a checkpoint after every epoch (atomically; see <see cref="Checkpoint"/>).</summary>
public sealed class CheckpointEveryEpoch(string path) : TrainingCallback
{
    public override void OnEpochEnd(Trainer trainer, EpochMetrics epoch) => trainer.SaveCheckpoint(path);
}
