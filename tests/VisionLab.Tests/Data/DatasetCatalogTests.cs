using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Data;
using VisionLab.Models;

namespace VisionLab.Tests.Data;

public sealed class DatasetCatalogTests
{
    [Fact]
    public void Named_datasets_load_with_what_they_need()
    {
        var bundled = DatasetCatalog.Load("fashion-mnist-bundled");
        Assert.Equal(InputFormat.Gray28, bundled.Format);
        Assert.Equal((4000, 1000), (bundled.Train.Count, bundled.Test.Count));

        using var folder = new TemporaryFolder();
        foreach (var split in new[] { "train", "test" })
            foreach (var label in new[] { "a", "b" })
            {
                var path = Path.Combine(folder.Path, split, label, "x.png");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var image = new Image<Rgb24>(40, 30);
                image.SaveAsPng(path);
            }
        var mine = DatasetCatalog.Load("folder:" + folder.Path);
        Assert.Equal(InputFormat.Rgb32, mine.Format);
        using var resized = mine.Train.Image(0);
        Assert.Equal(new long[] { 3, 32, 32 }, resized.shape);

        Assert.Contains("fashion-mnist-bundled", Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("imagenet")).Message);
    }

    [Fact]
    public void A_subset_is_the_first_items_and_guards_its_range()
    {
        var data = FashionMnist.Load(train: false);
        var subset = DatasetSubset.Of(data, 10);
        Assert.Equal(10, subset.Count);
        Assert.Equal(data.Label(9), subset.Label(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => subset.Label(10));
        Assert.Same(data, DatasetSubset.Of(data, null));
    }

    [Fact]
    public void Models_are_created_by_name()
    {
        using var guide = (ModernCNN)ModelCatalog.Create("modern-cnn", 10);
        using var cifar = (ModernCNN)ModelCatalog.Create("modern-cnn-cifar", 7);
        Assert.Equal((CnnStem.ImageNet, CnnStem.Cifar), (guide.Stem, cifar.Stem));
        Assert.Contains("modern-cnn-cifar", Assert.Throws<ArgumentException>(() => ModelCatalog.Create("resnet50", 10)).Message);
    }
}
