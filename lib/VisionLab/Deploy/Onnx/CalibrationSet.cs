using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Deploy.Onnx;

/// <summary>
/// Batches of images (labels dropped) from a loader, held for INT8 calibration: the first batches of epoch 0 until at
/// least <c>images</c> images. Use a loader with the evaluation transform. Dispose it to free the batches.
/// </summary>
public sealed class CalibrationSet : IDisposable
{
    readonly List<Tensor> _batches = new();

    public CalibrationSet(DataLoader loader, int images, CancellationToken cancellationToken = default)
    {
        if (images < 1) throw new ArgumentOutOfRangeException(nameof(images), "Calibrate on at least one image.");
        foreach (var batch in loader.Epoch(0, cancellationToken: cancellationToken))
        {
            batch.Labels.Dispose();
            _batches.Add(batch.Images);
            if (Count >= images) break;
        }
    }

    public IReadOnlyList<Tensor> Batches => _batches;
    public long Count => _batches.Sum(b => b.shape[0]);

    public void Dispose() => _batches.ForEach(b => b.Dispose());
}
