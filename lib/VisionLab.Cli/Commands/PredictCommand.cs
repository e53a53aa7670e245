using System.CommandLine;
using Spectre.Console;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab predict`: top-k classes for image files or folders, from an ONNX file or trained weights.</summary>
public static class PredictCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("images") { Description = "Image files and/or folders of images (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM).", Arity = ArgumentArity.OneOrMore };
        var weights = SharedOptions.Weights("The model:", required: true, also: "an ONNX file from `visionlab export`, or ");
        var model = SharedOptions.Model("For weights files:");
        var dataset = SharedOptions.Dataset("For weights files: the training dataset (class names and input format).");
        var topK = new Option<int>("--top") { DefaultValueFactory = _ => 3, Description = "Classes to show per image." }.AtLeast(1);
        var maxPixels = new Option<long>("--max-pixels") { DefaultValueFactory = _ => 40_000_000, Description = "Images with more pixels are refused before decoding (decompression bombs)." }.AtLeast(1);
        var command = new Command("predict", "Classify images with a trained model.") { inputs, weights, model, dataset, topK, maxPixels };
        command.SetAction((parse, cancellation) =>
        {
            var files = new List<string>();
            foreach (var input in parse.GetValue(inputs)!)
                if (Directory.Exists(input)) files.AddRange(Predictor.ImagesIn(input));
                else files.Add(input);   // a missing file is reported in its row, with the others predicted
            if (files.Count == 0)
                throw new UsageException($"No images in {string.Join(", ", parse.GetValue(inputs)!)} (looked for {string.Join(" ", ImageDecoder.Extensions)}).");
            var weightsFile = parse.GetValue(weights)!;
            TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? network = null;
            Predictor predictor;
            if (weightsFile.Extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase)) predictor = Predictor.FromOnnx(weightsFile.FullName);
            else
            {
                var data = DatasetCatalog.Load(parse.GetValue(dataset)!, cancellationToken: cancellation);
                network = SharedOptions.ModelWithWeights(parse.GetValue(model)!, data.Test.Classes.Count, weightsFile.FullName);
                predictor = Predictor.FromModel(network, data.Test.Classes, data.Format);
            }
            using (predictor)
            using (network)
            {
                predictor.MaxPixels = parse.GetValue(maxPixels);
                var results = predictor.Predict(files, parse.GetValue(topK), cancellationToken: cancellation);
                var table = new Table().AddColumns("image", "prediction");
                foreach (var r in results)
                    table.AddRow(Markup.Escape(r.Path), r.Succeeded
                        ? string.Join(", ", r.Top.Select((t, i) => i == 0 ? $"[bold]{Markup.Escape(t.Class)}[/] {t.Probability:P1}" : $"{Markup.Escape(t.Class)} {t.Probability:P1}"))
                        : $"[red]error:[/] {Markup.Escape(r.Error!)}");
                AnsiConsole.Write(table);
                int failed = results.Count(r => !r.Succeeded);
                AnsiConsole.MarkupLine($"{results.Count - failed} of {results.Count} image(s) predicted with {Markup.Escape(predictor.Source)}" + (failed > 0 ? $"; [red]{failed} could not be read[/]" : ""));
                return Task.FromResult(failed > 0 ? CliErrors.PartialFailure : CliErrors.Success);
            }
        });
        return command;
    }
}
