using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Models;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Explain;

/// <summary>
/// Per image: the share of the attention map's mass on the object's patches for the last layer's class-token
/// attention (head mean), for each head of that layer, and for rollout; the same share for a uniform map (the share
/// of patches the object touches: what chance gives); whether each map's peak is on the object; and whether the model
/// classified the image correctly. Means and fractions are over the correctly classified images.
/// </summary>
public sealed record AttentionLocalizationResult(double[] LastLayer, double[][] LastLayerHeads, double[] Rollout, double[] Uniform,
    bool[] PeakLastLayer, bool[] PeakRollout, bool[] Correct)
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
    /// <summary>Mean share on the object per head of the last layer (heads specialise: some read the object, some the context).</summary>
    public double[] MeanLastLayerPerHead => LastLayerHeads.Select(MeanOverCorrect).ToArray();
    /// <summary>The fraction of correctly classified images whose map peaks on the object.</summary>
    public double PeakOnObjectLastLayer => Selected(PeakLastLayer.Select(p => p ? 1.0 : 0.0).ToArray()).DefaultIfEmpty(double.NaN).Average();
    public double PeakOnObjectRollout => Selected(PeakRollout.Select(p => p ? 1.0 : 0.0).ToArray()).DefaultIfEmpty(double.NaN).Average();

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
        var placement = ModelPlacement.Of(model);
        var (lastLayer, rollout, uniform, correct) = (new List<double>(), new List<double>(), new List<double>(), new List<bool>());
        var (peakLast, peakRollout) = (new List<bool>(), new List<bool>());
        List<double>[]? heads = null;
        var loader = new DataLoader(data, transform, new DataLoaderOptions { BatchSize = batchSize, Shuffle = false });
        EvaluationPass.Run(loader, model, placement.Device, batch =>
        {
            using var output = model.ForwardWithAttention(placement.Place(batch.Images));
            var masks = data.Masks(batch.Indices);
            var perHead = AttentionMaps.PerHead(output);
            var last = perHead.mean([1]);
            var rolled = AttentionMaps.Rollout(output);
            heads ??= Enumerable.Range(0, (int)perHead.shape[1]).Select(_ => new List<double>()).ToArray();
            for (int h = 0; h < heads.Length; h++) heads[h].AddRange(ObjectMasks.MassOnObject(perHead.select(1, h), masks));
            lastLayer.AddRange(ObjectMasks.MassOnObject(last, masks));
            rollout.AddRange(ObjectMasks.MassOnObject(rolled, masks));
            peakLast.AddRange(ObjectMasks.PeakOnObject(last, masks));
            peakRollout.AddRange(ObjectMasks.PeakOnObject(rolled, masks));
            uniform.AddRange(ObjectMasks.MassOnObject(ones_like(last), masks));
            correct.AddRange(output.Logits.argmax(1).eq(batch.Labels).cpu().data<bool>().ToArray());
        }, cancellationToken);
        return new AttentionLocalizationResult([.. lastLayer], (heads ?? []).Select(h => h.ToArray()).ToArray(), [.. rollout], [.. uniform],
            [.. peakLast], [.. peakRollout], [.. correct]);
    }
}
