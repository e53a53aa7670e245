using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;

namespace VisionLab.Tests.Data;

/// <summary>The dataset owns its images' format; every pipeline reads it from there and gets the model's 3x32x32 input.</summary>
public sealed class InputFormatTests
{
    [Fact]
    public void Each_dataset_knows_its_format_and_every_pipeline_turns_it_into_the_model_input()
    {
        IImageDataset[] datasets = [FashionMnist.Load(train: false).Take(4), new SyntheticShapes(4, seed: 0), new DatasetSubset(FashionMnist.Load(train: false), 2)];
        Assert.Equal([InputFormat.Gray28, InputFormat.Rgb32, InputFormat.Gray28], datasets.Select(d => d.Format));
        using var scope = NewDisposeScope();
        foreach (var data in datasets)
        {
            using var image = data.Image(0);
            Assert.Equal(new long[] { data.Format.Channels, data.Format.Height, data.Format.Width }, image.shape);
            foreach (var pipeline in new IImageTransform[] { GuidePipeline.Train(data.Format), GuidePipeline.Light(data.Format), GuidePipeline.Evaluate(data.Format), SimClrAugmentation.View(data.Format) })
                Assert.Equal(new long[] { 3, 32, 32 }, pipeline.Apply(image, new Random(1)).shape);
        }
        Assert.Equal("Pad { Padding = 2 }, ToRgb { }", string.Join(", ", InputFormat.Gray28.ToModelInput()));
        Assert.Empty(InputFormat.Rgb32.ToModelInput());
    }

    [Fact]
    public void Names_round_trip_and_shapes_find_the_named_formats()
    {
        Assert.Same(InputFormat.Gray28, InputFormat.Of(1, 28, 28));
        Assert.Same(InputFormat.Rgb32, InputFormat.Parse(InputFormat.Rgb32.Name));
        Assert.Equal("rgb96x96", InputFormat.Of(3, 96, 96).Name);
        Assert.Contains("grayscale28", Assert.Throws<ArgumentException>(() => InputFormat.Parse("cmyk")).Message);
    }

    [Fact]
    public void Formats_that_cannot_become_the_model_input_say_what_to_do()
    {
        Assert.Contains("with 1 or 3 channels", Assert.Throws<NotSupportedException>(() => InputFormat.Of(4, 32, 32).ToModelInput()).Message);
        Assert.Contains("read them at 32x32", Assert.Throws<NotSupportedException>(() => InputFormat.Of(3, 27, 27).ToModelInput()).Message);
        Assert.Contains("larger than", Assert.Throws<NotSupportedException>(() => GuidePipeline.Evaluate(InputFormat.Of(3, 64, 64))).Message);

        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "a", "x.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var picture = new Image<Rgb24>(40, 30)) picture.SaveAsPng(path);
        Assert.Contains("give it one", Assert.Throws<InvalidOperationException>(() => new ImageFolderDataset(folder.Path).Format).Message);
        Assert.Equal(InputFormat.Rgb32, new ImageFolderDataset(folder.Path, (32, 32)).Format);
    }

    [Fact]
    public void A_colour_file_decoded_as_grayscale_is_converted_and_a_gray_file_keeps_its_exact_values()
    {
        using var folder = new TemporaryFolder();
        var colour = Path.Combine(folder.Path, "colour.png");
        using (var picture = new Image<Rgb24>(28, 28, new Rgb24(200, 10, 10))) picture.SaveAsPng(colour);
        var gray = Path.Combine(folder.Path, "gray.png");
        using (var picture = new Image<Rgb24>(28, 28, new Rgb24(255, 255, 255))) picture.SaveAsPng(gray);
        using var scope = NewDisposeScope();
        var fromColour = InputFormat.Gray28.Decode(colour);
        Assert.Equal(new long[] { 1, 28, 28 }, fromColour.shape);
        Assert.InRange(fromColour[0, 0, 0].item<byte>(), 60, 70);   // luma of (200, 10, 10) is 0.299·200 + 0.587·10 + 0.114·10 ≈ 67
        Assert.Equal(255, InputFormat.Gray28.Decode(gray).max().item<byte>());
        Assert.Equal(new long[] { 3, 32, 32 }, InputFormat.Rgb32.Decode(gray).shape);
    }
}
