using System.Formats.Tar;
using System.IO.Compression;
using VisionLab.Data;

namespace VisionLab.Tests.Data;

/// <summary>CIFAR-10 parsing and caching on small files in the official binary format, written here.</summary>
public sealed class Cifar10Tests
{
    static byte[] Records(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[count * Cifar10.RecordSize];
        random.NextBytes(bytes);
        for (int r = 0; r < count; r++) bytes[r * Cifar10.RecordSize] = (byte)(r % 10);
        return bytes;
    }

    static string WriteArchive(string folder, int perBatch = 3)
    {
        var staging = Path.Combine(folder, "staging", "cifar-10-batches-bin");
        Directory.CreateDirectory(staging);
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(Path.Combine(staging, $"data_batch_{i}.bin"), Records(perBatch, i));
        File.WriteAllBytes(Path.Combine(staging, "test_batch.bin"), Records(perBatch, 99));
        var archive = Path.Combine(folder, "upload.tar.gz");
        using (var file = File.Create(archive))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(Path.Combine(folder, "staging"), gzip, includeBaseDirectory: false);
        return archive;
    }

    static Cifar10Archive Unreachable(string md5) => new(new Uri("http://127.0.0.1:9/cifar-10-binary.tar.gz"), md5);

    [Fact]
    public void Records_parse_to_images_and_labels()
    {
        using var folder = new TemporaryFolder();
        var bytes = Records(4, 1);
        File.WriteAllBytes(Path.Combine(folder.Path, "b.bin"), bytes);
        var data = Cifar10.ReadBatches([Path.Combine(folder.Path, "b.bin")]);
        Assert.Equal(4, data.Count);
        Assert.Equal([0, 1, 2, 3], data.Labels);
        using var image = data.Image(2);
        Assert.Equal(new long[] { 3, 32, 32 }, image.shape);
        // Red plane first, then green, then blue, as in the file.
        Assert.Equal(bytes[2 * Cifar10.RecordSize + 1], image[0, 0, 0].item<byte>());
        Assert.Equal(bytes[2 * Cifar10.RecordSize + 1 + 1024], image[1, 0, 0].item<byte>());
    }

    [Fact]
    public void A_truncated_batch_or_bad_label_is_a_clear_error()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "cut.bin");
        File.WriteAllBytes(path, Records(2, 1)[..(Cifar10.RecordSize + 100)]);
        Assert.Contains("not a whole number", Assert.Throws<InvalidDataException>(() => Cifar10.ReadBatches([path])).Message);
        var bad = Records(1, 1);
        bad[0] = 10;
        File.WriteAllBytes(path, bad);
        Assert.Contains("labels are 0 to 9", Assert.Throws<InvalidDataException>(() => Cifar10.ReadBatches([path])).Message);
    }

    [Fact]
    public void A_verified_archive_in_the_cache_is_extracted_and_loaded()
    {
        using var folder = new TemporaryFolder();
        var archive = WriteArchive(folder.Path);
        var cache = Path.Combine(folder.Path, "cache");
        Directory.CreateDirectory(cache);
        File.Copy(archive, Path.Combine(cache, "cifar-10-binary.tar.gz"));
        var source = Unreachable(Downloader.Md5Of(archive));
        var train = Cifar10.Load(train: true, cache, download: false, source);
        var test = Cifar10.Load(train: false, cache, download: false, source);
        Assert.Equal((15, 3), (train.Count, test.Count));
        Assert.Equal(["cifar-10-batches-bin", "cifar-10-binary.tar.gz"], Directory.GetFileSystemEntries(cache).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_bad_checksum_is_refused_and_nothing_is_extracted()
    {
        using var folder = new TemporaryFolder();
        var cache = Path.Combine(folder.Path, "cache");
        Directory.CreateDirectory(cache);
        File.Copy(WriteArchive(folder.Path), Path.Combine(cache, "cifar-10-binary.tar.gz"));
        var error = Assert.Throws<InvalidDataException>(() => Cifar10.Load(true, cache, download: false, Unreachable("00000000000000000000000000000000")));
        Assert.Contains("MD5", error.Message);
        Assert.False(Directory.Exists(Path.Combine(cache, "cifar-10-batches-bin")));
    }

    [Fact]
    public void A_truncated_archive_with_a_matching_checksum_leaves_no_partial_cache()
    {
        using var folder = new TemporaryFolder();
        var cache = Path.Combine(folder.Path, "cache");
        Directory.CreateDirectory(cache);
        var bytes = File.ReadAllBytes(WriteArchive(folder.Path, perBatch: 200));
        var cut = Path.Combine(cache, "cifar-10-binary.tar.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var error = Assert.ThrowsAny<Exception>(() => Cifar10.Load(true, cache, download: false, Unreachable(Downloader.Md5Of(cut))));
        Assert.Contains("cifar-10-binary.tar.gz", error.Message);
        Assert.Equal(["cifar-10-binary.tar.gz"], Directory.GetFileSystemEntries(cache).Select(Path.GetFileName));
    }

    [Fact]
    public void Offline_without_the_archive_names_the_offline_options_and_writes_nothing()
    {
        using var folder = new TemporaryFolder();
        var cache = Path.Combine(folder.Path, "cache");
        var error = Assert.Throws<DatasetUnavailableException>(() => Cifar10.Load(true, cache, download: true, Unreachable("0")));
        Assert.Contains("Offline options", error.Message);
        Assert.Contains("Fashion-MNIST", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(cache));
    }
}
