using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>The first <see cref="Count"/> items of a dataset (quick runs, smoke tests).</summary>
public sealed class DatasetSubset(IImageDataset source, int count) : IImageDataset
{
    public int Count { get; } = Math.Clamp(count, 0, source.Count);
    public IReadOnlyList<string> Classes => source.Classes;
    public InputFormat Format => source.Format;
    public int Label(int index) => source.Label(Check(index));
    public Tensor Image(int index) => source.Image(Check(index));
    int Check(int index) => (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside the subset of {Count}.");

    public static IImageDataset Of(IImageDataset source, int? count) => count is { } n && n < source.Count ? new DatasetSubset(source, n) : source;
}
