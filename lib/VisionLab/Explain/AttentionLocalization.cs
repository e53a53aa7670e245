using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Explain;

/// <summary>
/// Per image: the share of the attention map's mass on the object for the last layer's class-token attention
/// (head mean) and for rollout, the same share for a uniform map (the object's area: what chance gives), and
/// whether the model classified the image correctly.
/// </summary>
public sealed record AttentionLocalizationResult(double[] LastLayer, double[] Rollout, double[] Uniform, bool[] Correct)
{
    public int Count => Correct.Length;
    public double Accuracy => Correct.Count(c => c) / (double)Math.Max(1, Count);
    /// <summary>Mean share on the object over the correctly classified images.</summary>
    public double MeanLastLayer => MeanOverCorrect(LastLayer);
    public double MeanRollout => MeanOverCorrect(Rollout);
    public double MeanUniform => MeanOverCorrect(Uniform);
    /// <summary>The fraction of correctly classified images whose last-layer map puts most (over half) of its mass on the object.</summary>
    public double MostlyOnObjectLastLayer => FractionOverHalf(LastLayer);
    public double MostlyOnObjectRollout => FractionOverHalf(Rollout);

    double MeanOverCorrect(double[] values) => Selected(values).DefaultIfEmpty(double.NaN).Average();
    double FractionOverHalf(double[] values) => Selected(values).Select(v => v > 0.5 ? 1.0 : 0.0).DefaultIfEmpty(double.NaN).Average();
    IEnumerable<double> Selected(double[] values) => values.Where((_, i) => Correct[i]);
}

/// <summary>Does a transformer look at the object? Measured on <see cref="SyntheticShapes"/>, whose object masks are known.</summary>
public static class AttentionLocalization
{
    public static AttentionLocalizationResult Measure<TModel>(TModel model, SyntheticShapes data, IImageTransform transform, int batchSize = 100,
        CancellationToken cancellationToken = default) where TModel : nn.Module<Tensor, Tensor>, IAttentionModel
    {
        var device = model.parameters().First().device;
        bool wasTraining = model.training;
        model.eval();
        var (lastLayer, rollout, uniform, correct) = (new List<double>(), new List<double>(), new List<double>(), new List<bool>());
        try
        {
            var loader = new DataLoader(data, transform, new DataLoaderOptions { BatchSize = batchSize, Shuffle = false, Device = device });
            foreach (var batch in loader.Epoch(0, cancellationToken))
            {
                using var _ = batch;
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var output = model.ForwardWithAttention(batch.Images);
                var masks = data.Masks(batch.Indices);
                var last = AttentionMaps.MeanOverHeads(output);
                lastLayer.AddRange(AttentionMaps.MassOnObject(last, masks));
                rollout.AddRange(AttentionMaps.MassOnObject(AttentionMaps.Rollout(output), masks));
                uniform.AddRange(AttentionMaps.MassOnObject(ones_like(last), masks));
                correct.AddRange(output.Logits.argmax(1).eq(batch.Labels).cpu().data<bool>().ToArray());
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new AttentionLocalizationResult([.. lastLayer], [.. rollout], [.. uniform], [.. correct]);
    }
}
