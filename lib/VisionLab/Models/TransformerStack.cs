using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VisionLab.Models;

/// <summary>
/// A stack of <see cref="TransformerBlock"/>s named like PyTorch's nn.TransformerEncoder (layers.0, layers.1, ...),
/// no final norm (the guide's models apply their own).
/// </summary>
public sealed class TransformerStack : Module<Tensor, Tensor>
{
    private readonly ModuleList<TransformerBlock> layers;

    public TransformerStack(int depth, Func<TransformerBlock> createLayer) : base(nameof(TransformerStack))
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), "A transformer needs at least one layer.");
        layers = new ModuleList<TransformerBlock>(Enumerable.Range(0, depth).Select(_ => createLayer()).ToArray());
        RegisterComponents();
        TensorCountCorrection.ForgetParameterDuplicates(this);
    }

    public int Depth => layers.Count;
    public TransformerBlock this[int index] => layers[index];

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Runs every layer; when <paramref name="attention"/> is given, adds each layer's weights [B, heads, T, T] to it.</summary>
    public Tensor Forward(Tensor x, List<Tensor>? attention)
    {
        using var scope = NewDisposeScope();
        foreach (var layer in layers)
        {
            if (attention is null)
            {
                x = layer.call(x);   // through call: forward hooks (Grad-CAM on a block) fire
                continue;
            }
            var (output, weights) = layer.Forward(x, needWeights: true);
            attention.Add(weights!.MoveToOuterDisposeScope());
            x = output;
        }
        return x.MoveToOuterDisposeScope();
    }
}
