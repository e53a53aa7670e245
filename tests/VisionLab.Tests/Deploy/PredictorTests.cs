using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>The predictor: real files through ImageSharp, the training preprocessing, clear errors that stop nothing.</summary>
public sealed class PredictorTests
{
    static string WriteFashionMnistPng(string folder, int index)
    {
        var data = FashionMnist.Load(train: false);
        using var pixels = data.Image(index);
        var path = Path.Combine(folder, $"item{index}.png");
        using var image = Image.LoadPixelData<L8>(pixels.data<byte>().ToArray(), 28, 28);
        image.SaveAsPng(path);
        return path;
    }

    [Fact]
    public void The_file_path_gives_what_the_dataset_tensor_gives()
    {
        using var folder = new TemporaryFolder();
        using var scope = NewDisposeScope();
        var path = WriteFashionMnistPng(folder.Path, 3);
        var test = FashionMnist.Load(train: false);
        Assert.True(test.Format.Decode(path).eq(test.Image(3)).all().item<bool>(), "a PNG of a Fashion-MNIST image decodes to the dataset's tensor");
        using var model = new ModernCNN(10);
        using var predictor = Predictor.FromModel(model, test.Classes, test.Format);
        var fromFile = predictor.Prepare(path);
        var fromDataset = VisionLab.Augmentation.GuidePipeline.Evaluate(test.Format).Apply(test.Image(3), new Random(0));
        Assert.True(fromFile.eq(fromDataset).all().item<bool>(), "a PNG of a Fashion-MNIST image is prepared exactly like the dataset's tensor");
    }

    [Fact]
    public void An_ONNX_file_with_an_unknown_input_format_is_refused_naming_the_file()
    {
        using var folder = new TemporaryFolder();
        manual_seed(0);
        using var model = new ModernCNN(10);
        var path = Path.Combine(folder.Path, "model.onnx");
        var metadata = new Dictionary<string, string>(Predictor.OnnxExportMetadata(FashionMnist.Classes, InputFormat.Gray28)) { [Predictor.PreprocessingKey] = "cmyk" };
        OnnxExporter.Export(model, new long[] { 3, 32, 32 }, path, new OnnxExportOptions { Metadata = metadata });
        var error = Assert.Throws<InvalidDataException>(() => Predictor.FromOnnx(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("Unknown input format 'cmyk'", error.Message);
    }

    [Fact]
    public void Unreadable_files_get_their_error_and_the_others_are_predicted_the_same_by_ONNX_and_TorchSharp()
    {
        using var folder = new TemporaryFolder();
        var good = Enumerable.Range(0, 4).Select(i => WriteFashionMnistPng(folder.Path, i)).ToList();
        var corrupt = Path.Combine(folder.Path, "corrupt.png");
        File.WriteAllBytes(corrupt, "\x89PNG\r\n\x1a\nnot a png"u8.ToArray());
        var truncated = Path.Combine(folder.Path, "truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(good[0])[..60]);
        var large = Path.Combine(folder.Path, "large.png");
        using (var image = new Image<Rgb24>(300, 200)) image.SaveAsPng(large);
        var paths = new[] { good[0], corrupt, good[1], truncated, Path.Combine(folder.Path, "missing.png"), large, good[2], good[3] };

        manual_seed(0);
        using var model = new ModernCNN(10);
        var onnxPath = Path.Combine(folder.Path, "model.onnx");
        OnnxExporter.Export(model, new long[] { 3, 32, 32 }, onnxPath,
            new OnnxExportOptions { Metadata = Predictor.OnnxExportMetadata(FashionMnist.Classes, InputFormat.Gray28) });
        using var fromOnnx = Predictor.FromOnnx(onnxPath);
        using var fromModel = Predictor.FromModel(model, FashionMnist.Classes, InputFormat.Gray28);

        var a = fromOnnx.Predict(paths, topK: 3, batchSize: 3);
        var b = fromModel.Predict(paths, topK: 3, batchSize: 3);
        Assert.Equal(paths, a.Select(p => p.Path));
        Assert.Equal(new[] { true, false, true, false, false, true, true, true }, a.Select(p => p.Succeeded));
        Assert.Contains("corrupt.png is not a", a[1].Error);   // "not a readable image" or "not an image in a format ImageSharp reads"
        Assert.Contains("truncated.png", a[3].Error);      // cut in its header or in its data: either message names the file
        Assert.Contains("not found", a[4].Error);
        foreach (var (x, y) in a.Zip(b).Where(p => p.First.Succeeded))
        {
            Assert.Equal(3, x.Top.Count);
            Assert.Equal(x.Top[0].Class, y.Top[0].Class);
            Assert.Equal(x.Top[0].Probability, y.Top[0].Probability, 4);
            Assert.True(x.Top[0].Probability >= x.Top[1].Probability);
        }
        Assert.Equal(new[] { "item0.png", "item1.png", "item2.png", "item3.png", "large.png", "truncated.png", "corrupt.png" }.Order(),
            Predictor.ImagesIn(folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Oversized_images_and_files_without_metadata_are_clear_errors()
    {
        using var folder = new TemporaryFolder();
        var large = Path.Combine(folder.Path, "large.png");
        using (var image = new Image<Rgb24>(300, 200)) image.SaveAsPng(large);
        using var model = new ModernCNN(10);
        using var predictor = Predictor.FromModel(model, FashionMnist.Classes, InputFormat.Gray28);
        predictor.MaxPixels = 10_000;
        var result = predictor.Predict(new[] { large }).Single();
        Assert.False(result.Succeeded);
        Assert.Contains("above the limit", result.Error);

        var bare = Path.Combine(folder.Path, "bare.onnx");
        OnnxExporter.Export(model, new long[] { 3, 32, 32 }, bare);
        var error = Assert.Throws<InvalidDataException>(() => Predictor.FromOnnx(bare));
        Assert.Contains("visionlab export", error.Message);
        var notOnnx = Path.Combine(folder.Path, "junk.onnx");
        File.WriteAllText(notOnnx, "junk");
        Assert.Throws<InvalidDataException>(() => new OnnxModel(notOnnx));
    }
}
