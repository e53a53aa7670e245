using System.Text;
using Microsoft.AspNetCore.Html;
using Plotly.NET;
using VisionLab.Data;
using VisionLab.Training;
using Plotly.NET.CSharp;
using PlotlyChart = Plotly.NET.CSharp.Chart;
using static TorchSharp.torch;

namespace VisionLab.Visualization;

/// <summary>The charts of a training run: curves, confusion matrix, per-class accuracy, misclassified images.</summary>
public static class TrainingCharts
{
    /// <summary>Loss and accuracy per epoch (train and, when present, validation) side by side.</summary>
    public static GenericChart Curves(IReadOnlyList<EpochMetrics> history)
    {
        if (history.Count == 0) throw new ArgumentException("No epochs to plot yet.", nameof(history));
        double[] epochs = history.Select(h => h.Epoch + 1.0).ToArray();
        var loss = new List<Series> { new("train loss", epochs, history.Select(h => h.TrainLoss).ToArray()) };
        var accuracy = new List<Series> { new("train accuracy", epochs, history.Select(h => h.TrainAccuracy).ToArray()) };
        if (history.All(h => h.ValidationLoss.HasValue))
        {
            loss.Add(new("validation loss", epochs, history.Select(h => h.ValidationLoss!.Value).ToArray()));
            accuracy.Add(new("validation accuracy", epochs, history.Select(h => h.ValidationAccuracy!.Value).ToArray()));
        }
        return Charts.WithTitle(PlotlyChart.Grid(new[] { Charts.Lines("Loss", "epoch", "loss", loss.ToArray()), Charts.Lines("Accuracy", "epoch", "accuracy", accuracy.ToArray()) }, 1, 2), "Training curves");
    }

    /// <summary>Loss, learning rate and gradient norm per optimisation step.</summary>
    public static GenericChart Steps(IReadOnlyList<StepMetrics> steps)
    {
        double[] x = Enumerable.Range(1, steps.Count).Select(i => (double)i).ToArray();
        var stepped = steps.Select((s, i) => (Step: s, X: i + 1.0)).Where(p => !double.IsNaN(p.Step.GradientNorm)).ToList();
        return Charts.WithTitle(PlotlyChart.Grid(new[]
        {
            Charts.Lines("Loss per batch", "batch", "loss", new Series("loss", x, steps.Select(s => s.Loss).ToArray())),
            Charts.Lines("Learning rate", "batch", "lr", new Series("learning rate", x, steps.Select(s => s.LearningRate).ToArray())),
            Charts.Lines("Gradient norm (before clipping)", "batch", "norm", new Series("gradient norm", stepped.Select(p => p.X).ToArray(), stepped.Select(p => p.Step.GradientNorm).ToArray())),
        }, 1, 3), "Per-step metrics");
    }

    /// <summary>Counts of true class (rows) against predicted class (columns).</summary>
    public static GenericChart ConfusionMatrix(EvaluationResult evaluation, IReadOnlyList<string> classes)
    {
        var m = evaluation.ConfusionMatrix();
        var rows = Enumerable.Range(0, evaluation.Classes).Select(t => Enumerable.Range(0, evaluation.Classes).Select(p => m[t, p]).ToArray()).ToArray();
        var chart = PlotlyChart.Heatmap<int, string, string, string>(zData: rows, X: classes.ToArray(), Y: classes.ToArray(), ReverseYAxis: true)
            .WithXAxisStyle<double, double, string>(TitleText: "predicted")
            .WithYAxisStyle<double, double, string>(TitleText: "true");
        return Charts.WithTitle(chart, $"Confusion matrix (accuracy {evaluation.Accuracy:P1})");
    }

    public static GenericChart PerClassAccuracy(EvaluationResult evaluation, IReadOnlyList<string> classes) =>
        Charts.Bars("Accuracy per class", "class", "accuracy", classes, evaluation.PerClassAccuracy());

    /// <summary>Models side by side: test accuracy, parameters (millions) and training images/s, plus validation curves.</summary>
    public static GenericChart Comparison(IReadOnlyList<ComparedModel> models)
    {
        if (models.Count == 0) throw new ArgumentException("No models to compare.", nameof(models));
        var names = models.Select(m => m.Name).ToArray();
        var curves = models.Where(m => m.History.All(h => h.ValidationAccuracy.HasValue) && m.History.Count > 0)
            .Select(m => new Series(m.Name, m.History.Select(h => h.Epoch + 1.0).ToArray(), m.History.Select(h => h.ValidationAccuracy!.Value).ToArray()))
            .ToArray();
        var panels = new List<GenericChart>
        {
            Charts.Bars("Test accuracy", "model", "accuracy", names, models.Select(m => m.Accuracy).ToArray()),
            Charts.Bars("Parameters (millions)", "model", "millions", names, models.Select(m => m.Parameters / 1e6).ToArray()),
            Charts.Bars("Training images/s", "model", "images/s", names, models.Select(m => m.TrainImagesPerSecond).ToArray()),
        };
        if (curves.Length > 0) panels.Add(Charts.Lines("Test accuracy per epoch", "epoch", "accuracy", curves));
        return Charts.WithTitle(PlotlyChart.Grid(panels, 1, panels.Count), "Model comparison (same data, recipe and epochs)");
    }

    /// <summary>A grid of misclassified images captioned "true → predicted".</summary>
    public static HtmlString Misclassified(IImageDataset data, EvaluationResult evaluation, int count = 16)
    {
        var predictedByIndex = evaluation.Indices.Zip(evaluation.Predictions).ToDictionary(p => p.First, p => p.Second);
        var html = new StringBuilder("<div style=\"white-space:normal\">");
        foreach (var index in evaluation.Misclassified().Take(count))
        {
            using var image = data.Image(index);
            html.Append(TensorImage.ToHtml(image, $"{data.Classes[data.Label(index)]} → {data.Classes[predictedByIndex[index]]}"));
        }
        RenderCounts.CountImage();
        return new HtmlString(html.Append("</div>").ToString());
    }
}
