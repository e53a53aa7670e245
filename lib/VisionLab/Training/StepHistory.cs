using System.Collections;

namespace VisionLab.Training;

/// <summary>
/// Records every training step's numbers (loss, accuracy, learning rate, gradient norm, whether the batch was mixed),
/// in order, for charts (<see cref="Visualization.TrainingCharts.Steps"/>) and checks. Add it to
/// <see cref="Trainer.Callbacks"/>; displays such as the notebook progress only show, they do not record.
/// </summary>
public sealed class StepHistory : TrainingCallback, IReadOnlyList<StepMetrics>
{
    readonly List<StepMetrics> _steps = new();

    public override void OnBatchEnd(Trainer trainer, StepMetrics step) => _steps.Add(step);

    public int Count => _steps.Count;
    public StepMetrics this[int index] => _steps[index];
    public IEnumerator<StepMetrics> GetEnumerator() => _steps.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
