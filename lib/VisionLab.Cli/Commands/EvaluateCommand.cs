using System.CommandLine;
using Spectre.Console;
using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Training;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab evaluate`: test accuracy, per-class accuracy and confusion matrix of trained weights.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var weights = SharedOptions.WeightsArgument("The weights:");
        var model = SharedOptions.Model();
        var dataset = SharedOptions.Dataset();
        var command = new Command("evaluate", "Evaluate trained weights on a test set.") { weights, model, dataset };
        command.SetAction((parse, cancellation) =>
        {
            var file = parse.GetValue(weights)!;
            var data = DatasetCatalog.Load(parse.GetValue(dataset)!, cancellationToken: cancellation);
            using var network = SharedOptions.ModelWithWeights(parse.GetValue(model)!, data.Test.Classes.Count, file.FullName);
            using var trainer = new Trainer(network);
            var loader = new DataLoader(data.Test, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 256, Shuffle = false });
            var result = trainer.Evaluate(loader, cancellation);
            AnsiConsole.MarkupLine($"{Markup.Escape(file.Name)} on {Markup.Escape(data.Name)} ({data.Test.Count} test images): accuracy [bold]{result.Accuracy:P2}[/], loss {result.Loss:F4}");
            var classes = data.Test.Classes;
            var perClass = result.PerClassAccuracy();
            var matrix = result.ConfusionMatrix();
            var table = new Table().AddColumn("true \\ predicted");
            foreach (var c in classes) table.AddColumn(new TableColumn(Markup.Escape(c.Length > 7 ? c[..7] : c)).RightAligned());
            table.AddColumn(new TableColumn("accuracy").RightAligned());
            for (int t = 0; t < classes.Count; t++)
                table.AddRow([Markup.Escape(classes[t]), .. Enumerable.Range(0, classes.Count).Select(p => t == p ? $"[green]{matrix[t, p]}[/]" : matrix[t, p].ToString()), perClass[t].ToString("P1")]);
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        });
        return command;
    }
}
