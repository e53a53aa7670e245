using VisionLab.Augmentation;
using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>
/// What a dataset's images are (channels and size) and how they become the guide's model input, 3x32x32. The dataset
/// owns it (<see cref="IImageDataset.Format"/>); pipelines, SimCLR views, the predictor's file decoding and the ONNX
/// metadata read it from there. Fashion-MNIST's 28x28 grayscale images are padded to 32 and repeated to three channels.
/// </summary>
public sealed record InputFormat(string Name, int Channels, int Height, int Width)
{
    /// <summary>The side of the guide's models' square input.</summary>
    public const int ModelSize = 32;

    /// <summary>Fashion-MNIST (and MNIST): 1x28x28.</summary>
    public static InputFormat Gray28 { get; } = new("grayscale28", 1, 28, 28);
    /// <summary>CIFAR-10, the synthetic shapes, image folders read at 32x32: 3x32x32.</summary>
    public static InputFormat Rgb32 { get; } = new("rgb32", 3, 32, 32);

    /// <summary>The format of [channels, height, width] images: one of the named ones, or a new one named after its shape.</summary>
    public static InputFormat Of(int channels, int height, int width) =>
        new[] { Gray28, Rgb32 }.FirstOrDefault(f => (f.Channels, f.Height, f.Width) == (channels, height, width))
        ?? new($"{(channels == 1 ? "grayscale" : "rgb")}{height}x{width}", channels, height, width);

    /// <summary>What <see cref="ToModelInput"/> makes of these images: [3, H, W], at least 32 on each side.</summary>
    public long[] ModelInputShape => [3, Math.Max(ModelSize, Height), Math.Max(ModelSize, Width)];

    /// <summary>A format by its <see cref="Name"/> (as stored in an exported model's metadata).</summary>
    public static InputFormat Parse(string name) => name switch
    {
        "grayscale28" => Gray28,
        "rgb32" => Rgb32,
        _ => throw new ArgumentException($"Unknown input format '{name}': grayscale28 (Fashion-MNIST models) or rgb32 (colour models)."),
    };

    /// <summary>
    /// The transforms that turn one of these uint8 images into a 3-channel one at least 32x32: zero padding to 32 for
    /// smaller images (28 → 32), then RGB from gray. Images already 32 or larger are left at their size (SimCLR crops them).
    /// </summary>
    public IReadOnlyList<IImageTransform> ToModelInput()
    {
        int margin = Math.Max(0, ModelSize - Height);
        if (Channels is not (1 or 3) || (margin > 0 && (Height != Width || margin % 2 != 0)))
            throw new NotSupportedException($"{Name} images ({Channels}x{Height}x{Width}) do not fit the guide's 3x{ModelSize}x{ModelSize} models: " +
                                            $"read them at {ModelSize}x{ModelSize} (e.g. ImageFolderDataset's size), with 1 or 3 channels.");
        var transforms = new List<IImageTransform>();
        if (margin > 0) transforms.Add(new Pad(margin / 2));
        if (Channels == 1) transforms.Add(new ToRgb());
        return transforms;
    }

    /// <summary>
    /// An image file as this format's uint8 [Channels, Height, Width] tensor, resized to the format's size (clear errors
    /// for missing, corrupt, truncated or oversized files, see <see cref="ImageDecoder"/>).
    /// </summary>
    public Tensor Decode(string path, long maxPixels = 40_000_000, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var rgb = ImageDecoder.Decode(path, (Height, Width), maxPixels, cancellationToken);
        if (Channels == 3) return rgb.MoveToOuterDisposeScope();
        // A gray image decoded to RGB has three equal channels: take one (luma would truncate 255·0.9999 to 254).
        var gray = rgb[0].eq(rgb[1]).all().item<bool>() && rgb[0].eq(rgb[2]).all().item<bool>() ? rgb.narrow(0, 0, 1) : ImageOps.Grayscale(rgb);
        return gray.contiguous().MoveToOuterDisposeScope();
    }

    public override string ToString() => Name;
}
