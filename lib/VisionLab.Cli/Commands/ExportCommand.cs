using System.CommandLine;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab export`: trained weights to ONNX (fp32 or INT8), a Triton model repository, PyTorch .pt or safetensors.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var weights = SharedOptions.WeightsArgument("The trained weights:");
        var model = SharedOptions.Model();
        var dataset = SharedOptions.Dataset("The dataset the model was trained on (class names, input format, INT8 calibration images).");
        var format = new Option<string>("--format") { DefaultValueFactory = _ => "onnx", Description = "onnx, onnx-int8, triton (a Triton Inference Server model repository holding the ONNX export), pytorch or safetensors." };
        format.OneOf("onnx", "onnx-int8", "triton", "pytorch", "safetensors");
        var output = SharedOptions.Output("The file to write, or for triton the model repository folder (default: beside the weights, named by format; the Triton model is named after --model).");
        var calibration = new Option<CalibrationMethod>("--calibration") { DefaultValueFactory = _ => CalibrationMethod.MinMax, Description = "INT8 activation ranges: MinMax or Percentile." };
        var calibrationImages = new Option<int>("--calibration-images") { DefaultValueFactory = _ => 512, Description = "Training images used to calibrate INT8 ranges." }.AtLeast(1);
        var command = new Command("export", "Export trained weights for deployment.") { weights, model, dataset, format, output, calibration, calibrationImages };
        command.SetAction((parse, cancellation) =>
        {
            var file = parse.GetValue(weights)!;
            string kind = parse.GetValue(format)!;
            string target = parse.GetValue(output) is { } given ? Path.GetFullPath(given) : Path.Combine(file.DirectoryName!, kind switch
            {
                "onnx" => "model.onnx",
                "onnx-int8" => "model-int8.onnx",
                "triton" => "triton-models",
                "pytorch" => "model.pt",
                _ => "model.safetensors",
            });
            // The name must say what the file holds: predict and evaluate pick the engine by it.
            var expected = kind switch { "onnx" or "onnx-int8" => ".onnx", "pytorch" => ".pt", "triton" => "", _ => ".safetensors" };
            if (kind != "triton" && !Path.GetExtension(target).Equals(expected, StringComparison.OrdinalIgnoreCase) && !(kind == "pytorch" && Path.GetExtension(target) is ".pth"))
                throw new UsageException($"--output {target}: a {kind} file needs the extension {expected}.");
            ProbeWritable(kind == "triton" ? Path.Combine(target, "config.pbtxt") : target);
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, cancellationToken: cancellation);
            using var network = SharedOptions.ModelWithWeights(parse.GetValue(model)!, data.Test.Classes.Count, file.FullName);
            network.eval();
            var options = new OnnxExportOptions { Metadata = Predictor.OnnxExportMetadata(data.Test.Classes, data.Format) };
            var shape = OnnxExporter.DefaultInputShape(network);
            switch (kind)
            {
                case "onnx":
                    OnnxExporter.Export(network, shape, target, options);
                    break;
                case "triton":
                    var folder = TritonModelRepository.Write(OnnxExporter.ToModel(network, shape, options), target, parse.GetValue(model)!, data.Test.Classes);
                    AnsiConsole.MarkupLine($"Wrote the Triton model {Markup.Escape(folder)} ({TritonModelRepository.ConfigFile}, {TritonModelRepository.LabelsFile}, 1/{TritonModelRepository.ModelFile}); serve it with tritonserver --model-repository {Markup.Escape(target)}");
                    return Task.FromResult(0);
                case "onnx-int8":
                    var method = parse.GetValue(calibration);
                    var loader = new DataLoader(data.Train, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 64, Seed = 0 });
                    using (var calibrationSet = new CalibrationSet(loader, parse.GetValue(calibrationImages), cancellation))
                    {
                        AnsiConsole.MarkupLine($"Calibrating INT8 ranges ({method}) on {calibrationSet.Count} training images");
                        OnnxExporter.Save(OnnxQuantizer.Quantize(OnnxExporter.ToModel(network, shape, options), calibrationSet.Batches, new QuantizationOptions { Method = method }), target);
                    }
                    break;
                default:
                    PyTorchWeights.Save(network, target);
                    WeightFiles.WriteRecord(network, target);
                    break;
            }
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(target)} ({new FileInfo(target).Length / 1024.0 / 1024.0:F1} MiB)");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>An unwritable destination is found before the export's work, not after it.</summary>
    static void ProbeWritable(string target)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".visionlab-write-test.{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--output {target}: the folder {folder} cannot be written ({e.Message}).");
        }
    }
}
