using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>A batch of transformed images [N, C, H, W] and their labels [N] (int64). Dispose it when done.</summary>
public sealed class Batch(Tensor images, Tensor labels, int[] indices) : IDisposable
{
    public Tensor Images { get; } = images;
    public Tensor Labels { get; } = labels;
    /// <summary>Dataset indices of the images, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; } = indices;
    public int Count => Indices.Count;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
