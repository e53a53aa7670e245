using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Explain;

/// <summary>A deletion curve: the target class's mean probability as growing fractions of the image are removed.</summary>
public sealed record DeletionCurve(double[] Fractions, double[] Probabilities)
{
    /// <summary>Area under the curve (trapezoids over the fractions): lower means the map found what the model uses.</summary>
    public double Area => Enumerable.Range(1, Fractions.Length - 1)
        .Sum(i => (Fractions[i] - Fractions[i - 1]) * (Probabilities[i] + Probabilities[i - 1]) / 2);
}

/// <summary>
/// Tests of whether an explanation means something: does its peak fall on the object (localization), does it
/// change when the model's weights are randomised (Adebayo et al. 2018: rank correlation), and does deleting
/// what it marks as important hurt the prediction faster than deleting at random (deletion curve)?
/// </summary>
public static class ExplanationChecks
{
    /// <summary>Spearman rank correlation, per image, between two sets of maps of the same shape [B, h, w].</summary>
    public static double[] RankCorrelation(Tensor first, Tensor second)
    {
        if (!first.shape.SequenceEqual(second.shape))
            throw new ArgumentException($"Maps must have the same shape: [{string.Join(", ", first.shape)}] vs [{string.Join(", ", second.shape)}].");
        using var scope = NewDisposeScope();
        var (a, b) = (Ranks(first.flatten(1)), Ranks(second.flatten(1)));
        a = a - a.mean([1], keepdim: true);
        b = b - b.mean([1], keepdim: true);
        var r = (a * b).sum(1) / ((a.square().sum(1) * b.square().sum(1)).sqrt().clamp_min(1e-12));
        return r.cpu().data<double>().ToArray();
    }

    /// <summary>
    /// Removes the most important pixels first (by the upsampled map, or in a seeded random order when
    /// <paramref name="randomSeed"/> is given: the baseline), replacing them with <paramref name="fill"/> (0 is the
    /// mean colour of normalised images), and records the mean softmax probability of each image's class. The images go
    /// to the model's device and type (<see cref="ModelPlacement"/>).
    /// </summary>
    public static DeletionCurve Deletion(nn.Module<Tensor, Tensor> model, Tensor images, Tensor maps, long[] classes, int steps = 10,
        int? randomSeed = null, double fill = 0.0)
    {
        if (images.dim() != 4 || maps.dim() != 3 || maps.shape[0] != images.shape[0] || classes.Length != images.shape[0])
            throw new ArgumentException($"Need images [B, C, H, W], maps [B, h, w] and one class per image; got [{string.Join(", ", images.shape)}], [{string.Join(", ", maps.shape)}] and {classes.Length} classes.");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "At least one step.");
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            images = ModelPlacement.Of(model).Place(images);
            long batch = images.shape[0], height = images.shape[2], width = images.shape[3], pixels = height * width;
            Tensor importance = randomSeed is { } seed
                ? rand(new long[] { batch, pixels }, generator: new Generator((ulong)seed))
                : Upsample(maps, height, width).flatten(1).cpu();
            var order = importance.argsort(1, descending: true).to(images.device);               // most important first
            var targets = tensor(classes, device: images.device).unsqueeze(1);
            var (fractions, probabilities) = (new double[steps + 1], new double[steps + 1]);
            for (int step = 0; step <= steps; step++)
            {
                long removed = pixels * step / steps;
                var keep = ones(batch, pixels, dtype: images.dtype, device: images.device);
                if (removed > 0) keep.scatter_(1, order[.., ..(int)removed], zeros(batch, removed, dtype: images.dtype, device: images.device));
                keep = keep.view(batch, 1, height, width);
                var edited = images * keep + fill * (1 - keep);
                var probability = nn.functional.softmax(model.call(edited).to(ScalarType.Float32), 1).gather(1, targets).mean();
                (fractions[step], probabilities[step]) = (step / (double)steps, probability.item<float>());
            }
            return new DeletionCurve(fractions, probabilities);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    static Tensor Ranks(Tensor rows) => rows.argsort(1).argsort(1).to(ScalarType.Float64);

    static Tensor Upsample(Tensor maps, long height, long width) =>
        nn.functional.interpolate(maps.to(ScalarType.Float32).unsqueeze(1), [height, width], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
}
