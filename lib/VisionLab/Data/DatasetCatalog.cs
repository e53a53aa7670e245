namespace VisionLab.Data;

/// <summary>A dataset chosen by name (for the command line), with what its images need to fit the guide's models.</summary>
public sealed record NamedDataset(string Name, IImageDataset Train, IImageDataset Test, bool Grayscale28);

public static class DatasetCatalog
{
    public const string Names = "fashion-mnist (best available), fashion-mnist-bundled, fashion-mnist-debian, cifar10, shapes (synthetic: 6 outlines, object masks), patterns (synthetic: 5 patterns on the object), folder:<path> (with train/ and test/ subfolders)";

    /// <summary>Every name <see cref="Load"/> takes, besides folder:PATH.</summary>
    public static IReadOnlyList<string> Entries { get; } = ["fashion-mnist", "fashion-mnist-bundled", "fashion-mnist-debian", "cifar10", "shapes", "patterns"];

    public const int ShapesTrainCount = 6000, ShapesTestCount = 1000;

    public static NamedDataset Load(string name, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "fashion-mnist":
                return Fashion(name, FashionMnistSource.Auto);
            case "fashion-mnist-bundled":
                return Fashion(name, FashionMnistSource.Bundled);
            case "fashion-mnist-debian":
                return Fashion(name, FashionMnistSource.Debian);
            case "cifar10":
                return new NamedDataset(name, Cifar10.Load(true, progress: progress, cancellationToken: cancellationToken),
                    Cifar10.Load(false, progress: progress, cancellationToken: cancellationToken), Grayscale28: false);
            case "shapes":
                return new NamedDataset(name, new SyntheticShapes(ShapesTrainCount, seed: 0), new SyntheticShapes(ShapesTestCount, seed: 1), Grayscale28: false);
            case "patterns":
                return new NamedDataset(name, new SyntheticShapes(ShapesTrainCount, seed: 0, task: SyntheticTask.Pattern),
                    new SyntheticShapes(ShapesTestCount, seed: 1, task: SyntheticTask.Pattern), Grayscale28: false);
            case var folder when folder.StartsWith("folder:", StringComparison.Ordinal):
                var root = name.Trim()["folder:".Length..];
                return new NamedDataset(name, new ImageFolderDataset(Path.Combine(root, "train"), (32, 32)),
                    new ImageFolderDataset(Path.Combine(root, "test"), (32, 32)), Grayscale28: false);
            default:
                throw new ArgumentException($"Unknown dataset '{name}'. Choose one of: {Names}.");
        }
    }

    static NamedDataset Fashion(string name, FashionMnistSource source) =>
        new(name, FashionMnist.Load(true, source), FashionMnist.Load(false, source), Grayscale28: true);
}
