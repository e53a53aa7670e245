using Spectre.Console;
using VisionLab.Training;

namespace VisionLab.Cli.Commands;

/// <summary>A progress bar per epoch and a table row per finished epoch, in the terminal.</summary>
public sealed class SpectreTrainingProgress(ProgressContext context) : TrainingCallback
{
    ProgressTask? _task;
    int _totalEpochs;

    public override void OnFitStart(Trainer trainer, int epochs) => _totalEpochs = trainer.Epoch + epochs;

    public override void OnEpochStart(Trainer trainer, int epoch, int batches) =>
        _task = context.AddTask($"epoch {epoch + 1}/{_totalEpochs}", maxValue: batches);

    public override void OnBatchEnd(Trainer trainer, StepMetrics step)
    {
        if (_task is null) return;
        _task.Value = step.Batch + 1;
        _task.Description = $"epoch {step.Epoch + 1}/{_totalEpochs} loss {step.Loss:F3} acc {step.Accuracy:P0} lr {step.LearningRate:E1} {step.ImagesPerSecond:F0} img/s";
    }

    public override void OnEpochEnd(Trainer trainer, EpochMetrics e)
    {
        if (_task is not null) _task.Description = $"epoch {e.Epoch + 1}/{_totalEpochs} done";
        AnsiConsole.MarkupLine($"epoch {e.Epoch + 1}: train loss {e.TrainLoss:F4}, train accuracy {e.TrainAccuracy:P1}, " +
                               $"test loss {e.ValidationLoss:F4}, [bold]test accuracy {e.ValidationAccuracy:P2}[/], {e.ImagesPerSecond:F0} images/s, {e.Elapsed.TotalSeconds:F0} s, " +
                               (e.RetainedMemoryBytes is long retained
                                   ? $"memory {retained / 1048576.0:F0} MiB after a collection ({e.ProcessMemoryBytes / 1048576.0:F0} before)"
                                   : $"process memory {e.ProcessMemoryBytes / 1048576.0:F0} MiB"));
    }
}
