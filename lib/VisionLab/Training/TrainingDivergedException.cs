using VisionLab.Core;

namespace VisionLab.Training;

/// <summary>
/// The loss or the weights stopped being finite numbers: training cannot recover, so it stops at once, before an
/// epoch's callbacks could save the damaged weights (the last good checkpoint stays as it was).
/// </summary>
public sealed class TrainingDivergedException(string message) : ActionableException(message);
