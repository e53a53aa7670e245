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
        // A link to nothing is neither a folder nor a file: said, not skipped (the class it was meant to be would be missing).
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos())
            if (entry.LinkTarget is not null && !entry.Name.StartsWith('.') && !Target(entry).Exists)
                throw new InvalidDataException($"The class folder {entry.FullName} is a symbolic link to {entry.LinkTarget}, which does not exist: fix or remove the link.");
        // Hidden folders (.ipynb_checkpoints, .git) are not classes.
        Classes = Directory.GetDirectories(root).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal).ToList()!;
        if (Classes.Count == 0) throw new InvalidDataException($"{root} has no subfolders: put each class's images in a subfolder named after the class.");
        for (int label = 0; label < Classes.Count; label++)
        {
            var folder = ClassFolder(root, Classes[label]);
            int before = _files.Count;
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                if (ImageDecoder.Extensions.Contains(Path.GetExtension(file))) _files.Add((file, label));
            if (_files.Count == before)
                throw new InvalidDataException($"The class folder {Path.Combine(root, Classes[label])} holds no images ({string.Join(" ", ImageDecoder.Extensions)}): add some, or remove the folder.");
        }
        Size = size;
        MaxPixels = maxPixels;
    }

    /// <summary>
    /// A class's folder, following a symbolic link once: a link to a folder is that folder; a link to a link, or to
    /// nothing, is refused rather than read as an empty class.
    /// </summary>
    static string ClassFolder(string root, string name)
    {
        var path = Path.Combine(root, name);
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is null) return path;
        var target = info.ResolveLinkTarget(returnFinalTarget: false);
        if (target is null || !target.Exists)
            throw new InvalidDataException($"The class folder {path} is a symbolic link to {info.LinkTarget}, which does not exist: fix or remove the link.");
        if (target.LinkTarget is not null)
            throw new InvalidDataException($"The class folder {path} is a symbolic link to another link ({target.FullName}): link to the folder itself.");
        return target.FullName;
    }

    static FileSystemInfo Target(FileSystemInfo link)
    {
        try { return link.ResolveLinkTarget(returnFinalTarget: true) ?? link; }
        catch (IOException) { return new FileInfo(Path.Combine(link.FullName, "loop")); }   // a loop of links resolves to nothing
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
