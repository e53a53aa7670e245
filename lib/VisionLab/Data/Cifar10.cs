using System.Formats.Tar;
using System.IO.Compression;

namespace VisionLab.Data;

/// <summary>Where the CIFAR-10 binary archive comes from, and its MD5.</summary>
public sealed record Cifar10Archive(Uri Source, string Md5)
{
    /// <summary>The official binary version (Krizhevsky, 2009).</summary>
    public static Cifar10Archive Official { get; } = new(new Uri("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), "c32a1d4ab5d03f1284b67883e8d87530");
    public string FileName => Path.GetFileName(Source.AbsolutePath);
}

/// <summary>
/// CIFAR-10 from its official binary files: 60,000 32x32 colour images in 10 classes. Downloaded once into
/// data/cache, checksum-verified and extracted atomically. (TorchVision's loader reads the Python pickle
/// version and has no checksum or atomic extraction, so this one is ours.)
/// </summary>
public static class Cifar10
{
    public static readonly IReadOnlyList<string> Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public const int RecordSize = 1 + 3 * 32 * 32;
    const string ExtractedFolder = "cifar-10-batches-bin";

    public static InMemoryImageDataset Load(bool train, string? cacheFolder = null, bool download = true, Cifar10Archive? archive = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        cacheFolder ??= DataLocations.Cache;
        archive ??= Cifar10Archive.Official;
        var batches = Path.Combine(cacheFolder, ExtractedFolder);
        if (!Directory.Exists(batches)) Extract(cacheFolder, archive, download, progress, cancellationToken);
        var files = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin") : ["test_batch.bin"];
        return ReadBatches(files.Select(f => Path.Combine(batches, f)));
    }

    /// <summary>Parses files of 3,073-byte records: a label byte, then 1,024 red, green and blue bytes.</summary>
    public static InMemoryImageDataset ReadBatches(IEnumerable<string> files)
    {
        var pixels = new MemoryStream();
        var labels = new List<int>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"CIFAR-10 batch file missing: {file}. Delete the cifar-10-batches-bin folder to extract the archive again.", file);
            var bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
                throw new InvalidDataException($"{file}: {bytes.Length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records (truncated or not a CIFAR-10 binary batch).");
            for (int at = 0; at < bytes.Length; at += RecordSize)
            {
                if (bytes[at] >= Classes.Count)
                    throw new InvalidDataException($"{file}: record {at / RecordSize} has label {bytes[at]}; CIFAR-10 labels are 0 to 9.");
                labels.Add(bytes[at]);
                pixels.Write(bytes, at + 1, RecordSize - 1);
            }
        }
        return new InMemoryImageDataset(pixels.ToArray(), labels.ToArray(), 3, 32, 32, Classes);
    }

    static void Extract(string cacheFolder, Cifar10Archive archive, bool download, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var archivePath = Path.Combine(cacheFolder, archive.FileName);
        var advice = $"Offline options: copy {archive.FileName} (the binary version) into {cacheFolder} and run again (it is verified), " +
                     "or use Fashion-MNIST, bundled in data/ (FashionMnist.Load).";
        if (!File.Exists(archivePath) && !download)
            throw new DatasetUnavailableException($"CIFAR-10 is not in {cacheFolder} and downloading is off. {advice}");
        Downloader.EnsureFile(archive.Source, archivePath, archive.Md5, progress, cancellationToken, advice);

        // Extract beside the final folder, then rename: a half-extracted folder never looks complete.
        var staging = Path.Combine(cacheFolder, $".{ExtractedFolder}.{Environment.ProcessId}.tmp");
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            using (var file = File.OpenRead(archivePath))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
            var extracted = Path.Combine(staging, ExtractedFolder);
            if (!Directory.Exists(extracted))
                throw new InvalidDataException($"{archivePath} has no {ExtractedFolder}/ folder: is it the binary version of CIFAR-10?");
            Directory.Move(extracted, Path.Combine(cacheFolder, ExtractedFolder));
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new InvalidDataException($"{archivePath} could not be extracted ({e.Message}). Delete it and run again.", e);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
