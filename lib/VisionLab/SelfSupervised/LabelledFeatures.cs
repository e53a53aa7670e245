using TorchSharp;
using VisionLab.Data;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.SelfSupervised;

/// <summary>Encoder features [N, D] (fp32, CPU) with their labels [N] (int64). Dispose it when done.</summary>
public sealed class LabelledFeatures(Tensor features, Tensor labels) : IDisposable
{
    public Tensor Features { get; } = features;
    public Tensor Labels { get; } = labels;
    public long Count => Labels.shape[0];

    /// <summary>
    /// Runs a frozen encoder (eval mode, no gradients) over a loader. The encoder's training mode is restored after.
    /// Inputs are cast to the encoder's parameter type, so an fp16 model on CUDA works as is.
    /// </summary>
    public static LabelledFeatures Extract(nn.Module<Tensor, Tensor> encoder, DataLoader loader, Device? device = null, CancellationToken cancellationToken = default)
    {
        var first = encoder.parameters().FirstOrDefault() ?? throw new ArgumentException("The encoder has no parameters.", nameof(encoder));
        device ??= first.device;
        var dtype = first.dtype;
        var features = new List<Tensor>();
        var labels = new List<Tensor>();
        try
        {
            EvaluationPass.Run(loader, encoder, device, batch =>
            {
                var output = encoder.call(batch.Images.to(dtype));
                if (output.dim() != 2) throw new ArgumentException($"The encoder must return features [N, D]; it returned [{string.Join(", ", output.shape)}].");
                features.Add(output.to(ScalarType.Float32).cpu().MoveToOuterDisposeScope());
                labels.Add(batch.Labels.cpu().clone().MoveToOuterDisposeScope());
            }, cancellationToken);
            return new LabelledFeatures(cat(features), cat(labels));
        }
        finally
        {
            features.ForEach(t => t.Dispose());
            labels.ForEach(t => t.Dispose());
        }
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
