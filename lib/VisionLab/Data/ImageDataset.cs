using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>Images with integer labels. Images are uint8 tensors [C, H, W], the caller disposes them.</summary>
public interface IImageDataset
{
    int Count { get; }
    IReadOnlyList<string> Classes { get; }
    int Label(int index);
    /// <summary>A new uint8 [C, H, W] tensor (on the CPU) the caller owns.</summary>
    Tensor Image(int index);
    /// <summary>What the images are and how they become the models' input; pipelines read it from here.</summary>
    InputFormat Format { get; }
}

/// <summary>A dataset held in memory as one byte array of equally sized images (MNIST, CIFAR-10).</summary>
public sealed class InMemoryImageDataset : IImageDataset
{
    readonly byte[] _pixels;
    readonly int[] _labels;

    public InMemoryImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classes)
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentException($"Bad image size {channels}x{height}x{width}.");
        if ((long)labels.Length * channels * height * width != pixels.Length)
            throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * channels * height * width} pixel bytes, got {pixels.Length}.");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes.Count)
                throw new InvalidDataException($"Label {labels[i]} of image {i} is out of range: there are {classes.Count} classes.");
        (_pixels, _labels, Channels, Height, Width, Classes) = (pixels, labels, channels, height, width, classes);
    }

    public int Count => _labels.Length;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public InputFormat Format => InputFormat.Of(Channels, Height, Width);
    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<int> Labels => _labels;
    public int Label(int index) => _labels[index];

    public Tensor Image(int index)
    {
        int size = Channels * Height * Width;
        return tensor(_pixels.AsSpan(index * size, size).ToArray(), new long[] { Channels, Height, Width }, ScalarType.Byte);
    }

    /// <summary>The first <paramref name="count"/> images (smoke runs, quick looks).</summary>
    public InMemoryImageDataset Take(int count)
    {
        count = Math.Min(count, Count);
        int size = Channels * Height * Width;
        return new InMemoryImageDataset(_pixels.AsSpan(0, count * size).ToArray(), _labels[..count], Channels, Height, Width, Classes);
    }
}
