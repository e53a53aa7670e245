using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>
/// Your own images: one subfolder per class (root/cat/*.jpg, root/dog/*.png), decoded with ImageSharp
/// when read (<see cref="ImageDecoder"/>), as RGB, optionally resized to one size so they can be batched.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    readonly List<(string Path, int Label)> _files = new();

    /// <param name="root">Folder with one subfolder per class.</param>
    /// <param name="size">(height, width) to resize every image to; null keeps each image's size.</param>
    /// <param name="maxPixels">Images with more pixels are refused before decoding (default 40 megapixels).</param>
    public ImageFolderDataset(string root, (int Height, int Width)? size = null, long maxPixels = 40_000_000)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}. Expected one subfolder per class, e.g. {Path.Combine(root, "cat")}.");
        Classes = Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
        if (Classes.Count == 0) throw new InvalidDataException($"{root} has no subfolders: put each class's images in a subfolder named after the class.");
        for (int label = 0; label < Classes.Count; label++)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, Classes[label])).Order(StringComparer.Ordinal))
                if (ImageDecoder.Extensions.Contains(Path.GetExtension(file))) _files.Add((file, label));
        if (_files.Count == 0) throw new InvalidDataException($"No images ({string.Join(" ", ImageDecoder.Extensions)}) in the class folders of {root}.");
        Size = size;
        MaxPixels = maxPixels;
    }

    public IReadOnlyList<string> Classes { get; }
    public (int Height, int Width)? Size { get; }
    public long MaxPixels { get; }
    public InputFormat Format => Size is { } size ? InputFormat.Of(3, size.Height, size.Width)
        : throw new InvalidOperationException("An ImageFolderDataset without a size has images of many sizes: give it one, e.g. (32, 32), to train or evaluate on it.");
    public int Count => _files.Count;
    public string PathOf(int index) => _files[index].Path;
    public int Label(int index) => _files[index].Label;

    public Tensor Image(int index) => ImageDecoder.Decode(_files[index].Path, Size, MaxPixels);
}
