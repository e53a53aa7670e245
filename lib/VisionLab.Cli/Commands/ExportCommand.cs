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
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing file (or Triton model folder) at the target." };
        var command = new Command("export", "Export trained weights for deployment.") { weights, model, dataset, format, output, calibration, calibrationImages, overwrite };
        command.SetAction((parse, cancellation) =>
        {
            var file = parse.GetValue(weights)!;
            string kind = parse.GetValue(format)!;
            string target = parse.GetValue(output) is { } given ? Path.GetFullPath(given) : Path.Combine(file.DirectoryName!, DefaultName(kind));
            // The name must say what the file holds: predict and evaluate pick the engine by it.
            var expected = kind switch { "onnx" or "onnx-int8" => ".onnx", "pytorch" => ".pt", "triton" => "", _ => ".safetensors" };
            if (kind != "triton" && !Path.GetExtension(target).Equals(expected, StringComparison.OrdinalIgnoreCase) && !(kind == "pytorch" && Path.GetExtension(target) is ".pth"))
                throw new UsageException($"--output {target}: a {kind} file needs the extension {expected}.");
            // Never the input itself, never another file unasked.
            if (string.Equals(Path.GetFullPath(target), file.FullName, StringComparison.Ordinal))
                throw new UsageException($"--output {target} is the weights file being exported: choose another --output (or --format).");
            if (kind != "triton" && Directory.Exists(target))
                throw new UsageException($"--output {target} is a folder: give a file name, e.g. {Path.Combine(target, Path.GetFileName(DefaultName(kind)))}.");
            var existing = kind == "triton" ? Path.Combine(target, parse.GetValue(model)!) : target;
            if ((File.Exists(existing) || (kind == "triton" && Directory.Exists(existing))) && !parse.GetValue(overwrite))
                throw new UsageException($"{existing} already exists: replace it with --overwrite, or choose another --output.");
            if (kind == "triton" && File.Exists(target)) throw new UsageException($"--output {target} is a file: the Triton export writes a model repository folder.");
            // Missing weights first when the target is beside them (probing would create their folder); else the target first.
            if (parse.GetValue(output) is null && !file.Exists) throw new FileNotFoundException($"Weights not found: {file.FullName}", file.FullName);
            ProbeWritable(kind == "triton" ? Path.Combine(target, "config.pbtxt") : target);
            if (!file.Exists) throw new FileNotFoundException($"Weights not found: {file.FullName}", file.FullName);
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, cancellationToken: cancellation);
            using var network = SharedOptions.ModelWithWeights(parse.GetValue(model)!, data.Test.Classes.Count, file.FullName);
            network.eval();
            cancellation.ThrowIfCancellationRequested();
            var options = new OnnxExportOptions { Metadata = Predictor.OnnxExportMetadata(data.Test.Classes, data.Format) };
            var shape = OnnxExporter.DefaultInputShape(network);
            switch (kind)
            {
                case "onnx":
                    var onnx = OnnxExporter.ToModel(network, shape, options);
                    cancellation.ThrowIfCancellationRequested();
                    OnnxExporter.Save(onnx, target);
                    break;
                case "triton":
                    var exported = OnnxExporter.ToModel(network, shape, options);
                    cancellation.ThrowIfCancellationRequested();
                    var folder = TritonModelRepository.Write(exported, target, parse.GetValue(model)!, data.Test.Classes);
                    AnsiConsole.MarkupLine($"Wrote the Triton model {Markup.Escape(folder)} ({TritonModelRepository.ConfigFile}, {TritonModelRepository.LabelsFile}, 1/{TritonModelRepository.ModelFile}); serve it with tritonserver --model-repository {Markup.Escape(target)}");
                    return Task.FromResult(0);
                case "onnx-int8":
                    var method = parse.GetValue(calibration);
                    var loader = new DataLoader(data.Train, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 64, Seed = 0 });
                    using (var calibrationSet = new CalibrationSet(loader, parse.GetValue(calibrationImages), cancellation))
                    {
                        AnsiConsole.MarkupLine($"Calibrating INT8 ranges ({method}) on {calibrationSet.Count} training images");
                        var quantized = OnnxQuantizer.Quantize(OnnxExporter.ToModel(network, shape, options), calibrationSet.Batches, new QuantizationOptions { Method = method });
                        cancellation.ThrowIfCancellationRequested();
                        OnnxExporter.Save(quantized, target);
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

    /// <summary>Where a format goes beside the weights when --output is not given.</summary>
    static string DefaultName(string kind) => kind switch
    {
        "onnx" => "model.onnx",
        "onnx-int8" => "model-int8.onnx",
        "triton" => "triton-models",
        "pytorch" => "model.pt",
        _ => "model.safetensors",
    };

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
