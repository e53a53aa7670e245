using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Data;

namespace VisionLab.Tests.Data;

public sealed class ImageFolderDatasetTests
{
    static void Png(string path, int width, int height, Rgb24 colour)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height, colour);
        image.SaveAsPng(path);
    }

    [Fact]
    public void Subfolders_are_classes_and_pixels_come_out_as_RGB_planes()
    {
        using var folder = new TemporaryFolder();
        Png(Path.Combine(folder.Path, "cat", "a.png"), 5, 4, new Rgb24(10, 20, 30));
        Png(Path.Combine(folder.Path, "dog", "b.png"), 8, 8, new Rgb24(200, 100, 0));
        File.WriteAllText(Path.Combine(folder.Path, "dog", "notes.txt"), "ignored");
        var data = new ImageFolderDataset(folder.Path, size: (6, 6));
        Assert.Equal(["cat", "dog"], data.Classes);
        Assert.Equal(2, data.Count);
        using var cat = data.Image(0);
        Assert.Equal(new long[] { 3, 6, 6 }, cat.shape);
        Assert.Equal(new byte[] { 10, 20, 30 }, new[] { cat[0, 3, 3].item<byte>(), cat[1, 3, 3].item<byte>(), cat[2, 3, 3].item<byte>() });
        Assert.Equal(1, data.Label(1));
    }

    [Fact]
    public void Files_that_are_not_images_corrupt_or_too_large_give_clear_errors()
    {
        using var folder = new TemporaryFolder();
        var fake = Path.Combine(folder.Path, "x", "fake.png");
        Directory.CreateDirectory(Path.GetDirectoryName(fake)!);
        File.WriteAllText(fake, "plain text, not a PNG");
        var big = Path.Combine(folder.Path, "x", "big.png");
        Png(big, 2000, 1000, new Rgb24(1, 2, 3));
        var cut = Path.Combine(folder.Path, "x", "cut.png");
        var bytes = File.ReadAllBytes(big);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);

        Assert.Contains("fake.png", Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(fake)).Message);
        var tooLarge = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.Decode(big, maxPixels: 1_000_000));
        Assert.Contains("2000x1000", tooLarge.Message);
        Assert.Contains("cut.png", Assert.ThrowsAny<Exception>(() => ImageDecoder.Decode(cut)).Message);
    }

    [Fact]
    public void A_missing_or_empty_folder_says_what_is_expected()
    {
        using var folder = new TemporaryFolder();
        Assert.Contains("one subfolder per class", Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(Path.Combine(folder.Path, "nope"))).Message);
        Assert.Contains("no subfolders", Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(folder.Path)).Message);
    }

    // Issue 35, case 5: a folder dataset never shifts labels silently.

    [Fact]
    public void A_class_folder_without_images_is_an_error_naming_it()
    {
        using var folder = new TemporaryFolder();
        Png(Path.Combine(folder.Path, "cat", "a.png"), 4, 4, new Rgb24(1, 2, 3));
        Directory.CreateDirectory(Path.Combine(folder.Path, "dog"));
        File.WriteAllText(Path.Combine(folder.Path, "dog", "readme.txt"), "no images here");
        Directory.CreateDirectory(Path.Combine(folder.Path, ".ipynb_checkpoints"));   // hidden: not a class
        var error = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "dog"), error.Message);
        Assert.Contains("holds no images", error.Message);
    }

    [Fact]
    public void A_symbolic_link_is_followed_once_and_a_broken_one_refused()
    {
        using var folder = new TemporaryFolder();
        var elsewhere = Path.Combine(folder.Path, "elsewhere", "dogs");
        Png(Path.Combine(elsewhere, "b.png"), 4, 4, new Rgb24(9, 9, 9));
        var root = Path.Combine(folder.Path, "data");
        Png(Path.Combine(root, "cat", "a.png"), 4, 4, new Rgb24(1, 2, 3));
        Directory.CreateSymbolicLink(Path.Combine(root, "dog"), elsewhere);
        var data = new ImageFolderDataset(root, size: (4, 4));
        Assert.Equal(["cat", "dog"], data.Classes);
        Assert.Equal(2, data.Count);
        Assert.Equal(1, data.Label(1));

        Directory.CreateSymbolicLink(Path.Combine(root, "emu"), Path.Combine(folder.Path, "missing"));
        var broken = Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(root));
        Assert.Contains("does not exist", broken.Message);
        Assert.Contains(Path.Combine(root, "emu"), broken.Message);
        File.Delete(Path.Combine(root, "emu"));   // a dangling link is a file to the file system

        Directory.CreateSymbolicLink(Path.Combine(root, "fox"), Path.Combine(root, "dog"));   // a link to a link
        Assert.Contains("another link", Assert.Throws<InvalidDataException>(() => new ImageFolderDataset(root)).Message);
    }

    [Theory]
    [InlineData(new[] { "cat", "dog", "emu" }, new[] { "cat", "emu" }, "test/ lacks dog")]
    [InlineData(new[] { "cat", "dog" }, new[] { "cat", "dog", "emu" }, "test/ has emu, which train/ lacks")]
    public void Train_and_test_must_have_the_same_classes(string[] train, string[] test, string words)
    {
        using var folder = new TemporaryFolder();
        foreach (var c in train) Png(Path.Combine(folder.Path, "train", c, "a.png"), 4, 4, new Rgb24(1, 2, 3));
        foreach (var c in test) Png(Path.Combine(folder.Path, "test", c, "a.png"), 4, 4, new Rgb24(1, 2, 3));
        var error = Assert.Throws<InvalidDataException>(() => DatasetCatalog.Load("folder:" + folder.Path));
        Assert.Contains(words, error.Message);
        Assert.Contains(folder.Path, error.Message);
    }
}
