using TorchSharp;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.SelfSupervised;

/// <summary>How the linear classifier on frozen features is trained.</summary>
public sealed record LinearProbeOptions
{
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Seed { get; init; }
}

/// <summary>Accuracy of the linear classifier after each epoch, on the training features and on the test features.</summary>
public sealed record LinearProbeResult(IReadOnlyList<double> TrainAccuracy, IReadOnlyList<double> TestAccuracy)
{
    public double FinalTestAccuracy => TestAccuracy[^1];
}

/// <summary>
/// Linear evaluation, the standard measure of a self-supervised encoder: its features are computed once with the
/// encoder frozen (<see cref="LabelledFeatures.Extract"/>), standardised with the training features' statistics,
/// and only a linear layer is trained on the labels. Run the same protocol on a randomly initialised encoder for
/// the baseline.
/// </summary>
public static class LinearProbe
{
    public static LinearProbeResult Train(LabelledFeatures train, LabelledFeatures test, int classes, LinearProbeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LinearProbeOptions();
        if (options.Epochs < 1 || options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "Epochs and batch size must be positive.");
        if (train.Features.shape[1] != test.Features.shape[1])
            throw new ArgumentException($"Train and test features differ in width: {train.Features.shape[1]} vs {test.Features.shape[1]}.");
        using var scope = NewDisposeScope();
        var mean = train.Features.mean(new long[] { 0 }, keepdim: true);
        var std = train.Features.std(0, keepdim: true).clamp_min(1e-6);
        var x = (train.Features - mean) / std;
        var xTest = (test.Features - mean) / std;
        var generator = new Generator((ulong)options.Seed);
        using var classifier = nn.Linear(x.shape[1], classes);
        TensorCountCorrection.ForgetParameterDuplicates(classifier);
        using (no_grad())
        {
            // Seeded initialisation, so a probe is reproducible.
            nn.init.uniform_(classifier.weight!, -0.01, 0.01, generator);
            nn.init.zeros_(classifier.bias!);
        }
        using var optimizer = optim.AdamW(classifier.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var trainAccuracy = new List<double>();
        var testAccuracy = new List<double>();
        long n = x.shape[0];
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var epochScope = NewDisposeScope();
            var order = randperm(n, generator: generator);
            for (long start = 0; start < n; start += options.BatchSize)
            {
                using var stepScope = NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(options.BatchSize, n - start));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(classifier.call(x[index]), train.Labels[index]);
                loss.backward();
                optimizer.step();
            }
            using var noGrad = no_grad();
            trainAccuracy.Add(Accuracy(classifier, x, train.Labels));
            testAccuracy.Add(Accuracy(classifier, xTest, test.Labels));
        }
        return new LinearProbeResult(trainAccuracy, testAccuracy);
    }

    static double Accuracy(nn.Module<Tensor, Tensor> classifier, Tensor features, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return classifier.call(features).argmax(1).eq(labels).sum().item<long>() / (double)labels.shape[0];
    }
}
