using static TorchSharp.torch;

namespace VisionLab.SelfSupervised;

/// <summary>
/// The weighted k-nearest-neighbour classifier that monitors self-supervised training (Wu et al. 2018, as in the
/// SimCLR/MoCo monitors): cosine similarity to a labelled bank, the k nearest vote with weight exp(sim / T).
/// </summary>
public static class KnnClassifier
{
    /// <summary>Predicted class of each query feature.</summary>
    public static Tensor Predict(LabelledFeatures bank, Tensor queries, int classes, int k = 200, double temperature = 0.1)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1.");
        if (queries.dim() != 2 || queries.shape[1] != bank.Features.shape[1])
            throw new ArgumentException($"Queries must be [M, {bank.Features.shape[1]}] like the bank; got [{string.Join(", ", queries.shape)}].");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bankNormed = nn.functional.normalize(bank.Features, dim: 1);
        int neighbours = (int)Math.Min(k, bank.Count);
        var predictions = new List<Tensor>();
        foreach (var chunk in queries.split(512))
        {
            var similarity = nn.functional.normalize(chunk, dim: 1).mm(bankNormed.t());
            var (values, indices) = similarity.topk(neighbours, dim: 1);
            var neighbourLabels = bank.Labels[indices];                                    // [m, k]
            var votes = zeros(chunk.shape[0], classes, dtype: ScalarType.Float32);
            votes.scatter_add_(1, neighbourLabels, values.div(temperature).exp());
            predictions.Add(votes.argmax(1));
        }
        return cat(predictions).MoveToOuterDisposeScope();
    }

    /// <summary>Share of <paramref name="queries"/> whose predicted class equals their label.</summary>
    public static double Accuracy(LabelledFeatures bank, LabelledFeatures queries, int classes, int k = 200, double temperature = 0.1)
    {
        using var predicted = Predict(bank, queries.Features, classes, k, temperature);
        using var hits = predicted.eq(queries.Labels).sum();
        return hits.item<long>() / (double)queries.Count;
    }
}
