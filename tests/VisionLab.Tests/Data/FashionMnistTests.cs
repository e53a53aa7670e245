using VisionLab.Data;

namespace VisionLab.Tests.Data;

public sealed class FashionMnistTests
{
    [Fact]
    public void The_bundled_subset_is_real_Fashion_MNIST()
    {
        var train = FashionMnist.Load(train: true);
        var test = FashionMnist.Load(train: false);
        Assert.Equal((4000, 1000), (train.Count, test.Count));
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(9, train.Label(0)); // the first official training image is an ankle boot
        Assert.Equal(10, train.Labels.Distinct().Count());
        using var image = train.Image(0);
        Assert.Equal(new long[] { 1, 28, 28 }, image.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, image.dtype);
    }

    [Fact]
    public void Debian_source_loads_the_full_set_or_says_how_to_install_it()
    {
        if (Directory.Exists(FashionMnist.DebianFolder))
            Assert.Equal(60000, FashionMnist.Load(train: true, FashionMnistSource.Debian).Count);
        else
            Assert.Contains("apt-get install dataset-fashion-mnist",
                Assert.Throws<DatasetUnavailableException>(() => FashionMnist.Load(true, FashionMnistSource.Debian)).Message);
    }

    [Fact]
    public void Wrong_magic_truncation_and_bad_labels_are_clear_errors()
    {
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => IdxFile.Parse([1, 2, 8, 1, 0, 0, 0, 1, 5], "x")).Message);
        Assert.Contains("not supported", Assert.Throws<InvalidDataException>(() => IdxFile.Parse([0, 0, 0x0D, 1, 0, 0, 0, 1, 5], "x")).Message);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdxFile.Parse([0, 0, 8, 1, 0, 0, 0, 3, 5, 6], "x")).Message);
        Assert.Contains("out of range", Assert.Throws<InvalidDataException>(() =>
            new InMemoryImageDataset(new byte[4], [0, 12], 1, 1, 2, FashionMnist.Classes)).Message);
    }

    [Fact]
    public void A_missing_folder_or_corrupt_gzip_names_the_file()
    {
        using var folder = new TemporaryFolder();
        Assert.Contains("not found", Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadFolder(folder.Path, true)).Message);
        File.WriteAllText(Path.Combine(folder.Path, "train-images-idx3-ubyte.gz"), "this is not gzip");
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.Read(Path.Combine(folder.Path, "train-images-idx3-ubyte.gz")));
        Assert.Contains("train-images-idx3-ubyte.gz", error.Message);
    }
}
