namespace VisionLab.Data;

public enum FashionMnistSource
{
    /// <summary>The best available: Debian's full copy, then a cached download, then the bundled subset.</summary>
    Auto,
    /// <summary>The 4,000 + 1,000 real images committed in data/fashion-mnist (offline, always present).</summary>
    Bundled,
    /// <summary>The full dataset from Debian's dataset-fashion-mnist package.</summary>
    Debian,
    /// <summary>The full dataset downloaded into data/cache/fashion-mnist, checksum-verified.</summary>
    Download,
}

/// <summary>Fashion-MNIST (Zalando, MIT): 28x28 grayscale images of 10 kinds of clothing.</summary>
public static class FashionMnist
{
    public static readonly IReadOnlyList<string> Classes =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";
    public static readonly Uri DownloadBase = new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    /// <summary>MD5 of the official files (as torchvision lists them).</summary>
    public static readonly IReadOnlyDictionary<string, string> Md5 = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte.gz"] = "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        ["train-labels-idx1-ubyte.gz"] = "25c81989df183df01b3e8a0aad5dffbe",
        ["t10k-images-idx3-ubyte.gz"] = "bef4ecab320f06d8554ea6380940ec79",
        ["t10k-labels-idx1-ubyte.gz"] = "bb300cfdad3c16e7a12a480ee83cd310",
    };

    public static string BundledFolder => Path.Combine(DataLocations.Root, "fashion-mnist");
    public static string DownloadFolder => Path.Combine(DataLocations.Cache, "fashion-mnist");

    /// <summary>Loads the training (<paramref name="train"/>) or test split.</summary>
    public static InMemoryImageDataset Load(bool train, FashionMnistSource source = FashionMnistSource.Bundled, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var folder = source switch
        {
            FashionMnistSource.Bundled => BundledFolder,
            FashionMnistSource.Debian => Directory.Exists(DebianFolder) ? DebianFolder
                : throw new DatasetUnavailableException($"Debian's Fashion-MNIST is not installed ({DebianFolder} is missing): run 'sudo apt-get install dataset-fashion-mnist', or use the bundled subset."),
            FashionMnistSource.Download => EnsureDownloaded(progress, cancellationToken),
            _ => Directory.Exists(DebianFolder) ? DebianFolder
                : Md5.Keys.All(f => File.Exists(Path.Combine(DownloadFolder, f))) ? DownloadFolder : BundledFolder,
        };
        return LoadFolder(folder, train);
    }

    /// <summary>Reads a folder with the four IDX files (gzipped or not) of Fashion-MNIST or MNIST.</summary>
    public static InMemoryImageDataset LoadFolder(string folder, bool train, IReadOnlyList<string>? classes = null)
    {
        string prefix = train ? "train" : "t10k";
        var images = IdxFile.Read(Find(folder, $"{prefix}-images-idx3-ubyte"));
        var labels = IdxFile.Read(Find(folder, $"{prefix}-labels-idx1-ubyte"));
        if (images.Shape.Length != 3) throw new InvalidDataException($"{folder}: image file has shape [{string.Join(", ", images.Shape)}], expected [N, H, W].");
        if (labels.Shape.Length != 1) throw new InvalidDataException($"{folder}: label file has shape [{string.Join(", ", labels.Shape)}], expected [N].");
        if (images.Shape[0] != labels.Shape[0]) throw new InvalidDataException($"{folder}: {images.Shape[0]} images but {labels.Shape[0]} labels.");
        return new InMemoryImageDataset(images.Data, labels.Data.Select(b => (int)b).ToArray(), 1, images.Shape[1], images.Shape[2], classes ?? Classes);
    }

    static string Find(string folder, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
            if (File.Exists(Path.Combine(folder, name))) return Path.Combine(folder, name);
        throw new FileNotFoundException($"{stem}(.gz) not found in {folder}.", Path.Combine(folder, stem + ".gz"));
    }

    static string EnsureDownloaded(IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        foreach (var (file, md5) in Md5)
            Downloader.EnsureFile(new Uri(DownloadBase, file), Path.Combine(DownloadFolder, file), md5, progress, cancellationToken,
                offlineAdvice: $"Offline: use the bundled subset (FashionMnistSource.Bundled), install Debian's copy ('apt-get install dataset-fashion-mnist'), or copy the four official .gz files into {DownloadFolder}.");
        return DownloadFolder;
    }
}
