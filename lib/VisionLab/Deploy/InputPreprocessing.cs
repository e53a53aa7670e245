using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// How an image file becomes a model input, the same way training saw its images: Fashion-MNIST models get a
/// 28x28 grayscale image padded to 32 and repeated to RGB; colour models a 32x32 RGB image; both ImageNet-normalised
/// (<see cref="GuidePipeline.Evaluate"/>).
/// </summary>
public sealed record InputPreprocessing(string Name, bool Grayscale28, int Size)
{
    public static InputPreprocessing Grayscale28x28 { get; } = new("grayscale28", true, 28);
    public static InputPreprocessing Rgb32 { get; } = new("rgb32", false, 32);

    public static InputPreprocessing Parse(string name) => name switch
    {
        "grayscale28" => Grayscale28x28,
        "rgb32" => Rgb32,
        _ => throw new ArgumentException($"Unknown preprocessing '{name}': grayscale28 (Fashion-MNIST models) or rgb32 (colour models)."),
    };

    /// <summary>What a dataset's models were trained with.</summary>
    public static InputPreprocessing For(NamedDataset dataset) => dataset.Grayscale28 ? Grayscale28x28 : Rgb32;

    /// <summary>Decodes and resizes a file (clear errors for missing, corrupt, truncated or oversized files) and prepares it [3, 32, 32].</summary>
    public Tensor Load(string path, long maxPixels = 40_000_000)
    {
        using var decoded = ImageDecoder.Decode(path, (Size, Size), maxPixels);
        return Prepare(decoded);
    }

    /// <summary>Prepares a decoded uint8 image [3 or 1, Size, Size].</summary>
    public Tensor Prepare(Tensor image)
    {
        using var scope = NewDisposeScope();
        // A gray image decoded to RGB has three equal channels: take one (luma would truncate 255·0.9999 to 254).
        var input = !Grayscale28 || image.shape[0] == 1 ? image
            : image[0].eq(image[1]).all().item<bool>() && image[0].eq(image[2]).all().item<bool>() ? image.narrow(0, 0, 1)
            : ImageOps.Grayscale(image);
        if (input.shape[1] != Size || input.shape[2] != Size)
            throw new ArgumentException($"{Name} expects {Size}x{Size} images; got [{string.Join(", ", image.shape)}].");
        return GuidePipeline.Evaluate(Grayscale28).Apply(input, new Random(0)).MoveToOuterDisposeScope();
    }
}
