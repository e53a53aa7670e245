namespace VisionLab.Data;

/// <summary>A dataset chosen by name (for the command line): its splits, and their images' format.</summary>
public sealed record NamedDataset(string Name, IImageDataset Train, IImageDataset Test)
{
    public InputFormat Format => Train.Format;
}

public static class DatasetCatalog
{
    sealed record Entry(string Name, string? About, Func<string, IProgress<DownloadProgress>?, CancellationToken, NamedDataset> Load);

    public const int ShapesTrainCount = 6000, ShapesTestCount = 1000;
    const string FolderPrefix = "folder:";

    static readonly Entry[] All =
    [
        new("fashion-mnist", "best available", (name, _, _) => Fashion(name, FashionMnistSource.Auto)),
        new("fashion-mnist-bundled", null, (name, _, _) => Fashion(name, FashionMnistSource.Bundled)),
        new("fashion-mnist-debian", null, (name, _, _) => Fashion(name, FashionMnistSource.Debian)),
        new("cifar10", null, (name, progress, cancellation) => new NamedDataset(name, Cifar10.Load(true, progress: progress, cancellationToken: cancellation),
            Cifar10.Load(false, progress: progress, cancellationToken: cancellation))),
        new("shapes", "synthetic: 6 outlines, object masks", (name, _, _) =>
            new NamedDataset(name, new SyntheticShapes(ShapesTrainCount, seed: 0), new SyntheticShapes(ShapesTestCount, seed: 1))),
        new("patterns", "synthetic: 5 patterns on the object", (name, _, _) => new NamedDataset(name, new SyntheticShapes(ShapesTrainCount, seed: 0, task: SyntheticTask.Pattern),
            new SyntheticShapes(ShapesTestCount, seed: 1, task: SyntheticTask.Pattern))),
    ];

    /// <summary>Every name <see cref="Load"/> takes, besides folder:PATH.</summary>
    public static IReadOnlyList<string> Entries { get; } = [.. All.Select(e => e.Name)];

    /// <summary>The names with what each is, for help texts and errors.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(e => e.About is null ? e.Name : $"{e.Name} ({e.About})")) +
                                         $", {FolderPrefix}<path> (with train/ and test/ subfolders)";

    public static NamedDataset Load(string name, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var key = name.Trim().ToLowerInvariant();
        if (key.StartsWith(FolderPrefix, StringComparison.Ordinal))
        {
            var root = name.Trim()[FolderPrefix.Length..];
            var train = new ImageFolderDataset(Path.Combine(root, "train"), (32, 32));
            var test = new ImageFolderDataset(Path.Combine(root, "test"), (32, 32));
            // A label is a class's position in the sorted list: two lists that differ shift every label after the difference.
            if (!train.Classes.SequenceEqual(test.Classes))
            {
                var missing = train.Classes.Except(test.Classes).ToList();
                var extra = test.Classes.Except(train.Classes).ToList();
                throw new InvalidDataException($"{name}: train/ and test/ must have the same class folders, but " + string.Join(" and ",
                    new[] { missing.Count > 0 ? $"test/ lacks {string.Join(", ", missing)}" : null, extra.Count > 0 ? $"test/ has {string.Join(", ", extra)}, which train/ lacks" : null }.OfType<string>()) + ".");
            }
            return new NamedDataset(name, train, test);
        }
        var entry = All.FirstOrDefault(e => e.Name == key) ?? throw new ArgumentException($"Unknown dataset '{name}'. Choose one of: {Names}.");
        return entry.Load(name, progress, cancellationToken);
    }

    static NamedDataset Fashion(string name, FashionMnistSource source) =>
        new(name, FashionMnist.Load(true, source), FashionMnist.Load(false, source));
}
