using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>
/// The one loop that evaluates over a loader: the model in eval mode (its mode restored after), no gradients, each
/// batch delivered on the device and freed after its body ran, with the body's tensors. The trainer's evaluation, the
/// accuracy of exported engines, feature extraction and attention localization all run through it; each body reads
/// back to the host only what it keeps.
/// </summary>
public static class EvaluationPass
{
    /// <param name="loader">The data, read once in order (epoch 0).</param>
    /// <param name="model">Put in eval mode for the pass; null for engines that are not TorchSharp modules (ONNX Runtime).</param>
    /// <param name="device">Where batches arrive: the model's device (CPU when null).</param>
    /// <param name="body">What to do with each batch.</param>
    public static void Run(DataLoader loader, nn.Module? model, Device? device, Action<Batch> body, CancellationToken cancellationToken = default)
    {
        bool wasTraining = model?.training ?? false;
        model?.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0, device, cancellationToken))
            {
                using var owned = batch;
                using var scope = NewDisposeScope();
                body(batch);
            }
        }
        finally
        {
            model?.train(wasTraining);
        }
    }
}
