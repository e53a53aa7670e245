using System.Text.RegularExpressions;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>
/// The Triton model repository export: the layout Triton expects, a config.pbtxt whose names, shapes and batching
/// fit the ONNX graph, and a model in it that ONNX Runtime runs with the preprocessing from its own metadata.
/// (No Triton server here: the config is checked against the model, the model by running it.)
/// </summary>
public sealed class TritonModelRepositoryTests
{
    static IReadOnlyDictionary<string, string> Metadata => Predictor.OnnxExportMetadata(FashionMnist.Classes, InputFormat.Gray28);

    [Fact]
    public void Writes_the_layout_and_a_config_that_fits_the_graph_and_the_model_predicts_as_TorchSharp_does()
    {
        using var folder = new TemporaryFolder();
        manual_seed(0);
        using var model = new ModernCNN(10);
        model.eval();
        var onnx = OnnxExporter.ToModel(model, new long[] { 3, 32, 32 }, new OnnxExportOptions { Metadata = Metadata });
        var written = TritonModelRepository.Write(onnx, folder.Path, "modern-cnn", FashionMnist.Classes);

        Assert.Equal(Path.Combine(folder.Path, "modern-cnn"), written);
        Assert.Equal(new[] { "1/model.onnx", "config.pbtxt", "labels.txt" },
            Directory.EnumerateFiles(written, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(written, f)).Order(StringComparer.Ordinal));
        Assert.Equal(FashionMnist.Classes, File.ReadAllLines(Path.Combine(written, "labels.txt")));

        var config = File.ReadAllText(Path.Combine(written, "config.pbtxt"));
        Assert.Equal(config.Count(c => c == '{'), config.Count(c => c == '}'));
        Assert.Equal(config.Count(c => c == '['), config.Count(c => c == ']'));
        Assert.Equal("modern-cnn", Field(config, "name"));   // Triton requires the folder's name
        Assert.Equal("onnxruntime_onnx", Field(config, "platform"));
        Assert.Equal("128", Field(config, "max_batch_size"));
        Assert.Matches(@"input \[\s*\{\s*name: ""input""\s*data_type: TYPE_FP32\s*dims: \[ 3, 32, 32 \]\s*\}\s*\]", config);
        Assert.Matches(@"output \[\s*\{\s*name: ""output""\s*data_type: TYPE_FP32\s*dims: \[ 10 \]\s*label_filename: ""labels.txt""\s*\}\s*\]", config);
        Assert.Matches(@"dynamic_batching \{\s*max_queue_delay_microseconds: \d+\s*\}", config);

        // The model Triton would load: its input/output as the config says, batches of any size, same answers as TorchSharp.
        var samples = Predictor.ImagesIn(Path.Combine(Repository.Root, "data", "samples"));
        using var fromRepository = Predictor.FromOnnx(Path.Combine(written, "1", "model.onnx"));
        using var fromModel = Predictor.FromModel(model, FashionMnist.Classes, InputFormat.Gray28);
        using (var session = new OnnxModel(Path.Combine(written, "1", "model.onnx")))
        {
            Assert.Equal(("input", "output"), (session.InputName, session.OutputName));
            Assert.Equal(new long[] { 3, 32, 32 }, session.InputShape);
        }
        var a = fromRepository.Predict(samples, topK: 1, batchSize: 7);
        var b = fromModel.Predict(samples, topK: 1, batchSize: 7);
        Assert.True(a.Count >= 10 && a.All(p => p.Succeeded));
        Assert.Equal(b.Select(p => p.Top[0].Class), a.Select(p => p.Top[0].Class));
        foreach (var (x, y) in a.Zip(b)) Assert.Equal(y.Top[0].Probability, x.Top[0].Probability, 4);
    }

    [Fact]
    public void Rewriting_replaces_its_files_and_keeps_other_versions()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10);
        var onnx = OnnxExporter.ToModel(model, new long[] { 3, 32, 32 }, new OnnxExportOptions { Metadata = Metadata });
        var written = TritonModelRepository.Write(onnx, folder.Path, "cnn", FashionMnist.Classes);
        Directory.CreateDirectory(Path.Combine(written, "2"));
        File.WriteAllText(Path.Combine(written, "2", "model.onnx"), "a user's other version");
        TritonModelRepository.Write(onnx, folder.Path, "cnn", FashionMnist.Classes);
        Assert.Equal("a user's other version", File.ReadAllText(Path.Combine(written, "2", "model.onnx")));
        Assert.Empty(Directory.EnumerateFiles(written, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Bad_names_mismatched_classes_and_unwritable_folders_are_one_line_errors()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10);
        var onnx = OnnxExporter.ToModel(model, new long[] { 3, 32, 32 });
        Assert.Contains("letters, digits", Assert.Throws<ActionableException>(() => TritonModelRepository.Write(onnx, folder.Path, "../escape", FashionMnist.Classes)).Message);
        Assert.Contains("3 class names", Assert.Throws<ArgumentException>(() => TritonModelRepository.Write(onnx, folder.Path, "cnn", ["a", "b", "c"])).Message);
        var file = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(file, "");
        var error = Assert.Throws<ActionableException>(() => TritonModelRepository.Write(onnx, file, "cnn", FashionMnist.Classes));
        Assert.Contains(file, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    static string Field(string config, string name) =>
        Regex.Match(config, $@"^{name}: ""?([^""\n]+)""?$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no {name} in config.pbtxt");
}
