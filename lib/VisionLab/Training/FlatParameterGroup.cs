using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Parameters packed into one contiguous buffer, with their gradients in a second one: each parameter (and its
/// <c>.grad</c>) becomes a view of its slice, so the module, its state dict and autograd work as before, while an
/// optimizer, clipping or a precision copy can treat the whole group with a few operations instead of several per
/// tensor (what PyTorch's multi-tensor <c>foreach</c> kernels achieve on CUDA).
/// </summary>
/// <remarks>
/// Gradients accumulate in place into the views (autograd adds to an existing <c>.grad</c>), so they must be cleared
/// with <see cref="ZeroGradients"/>, never set to null. Moving the module to another device or dtype afterwards
/// replaces its tensors and unpacks it; the trainer packs after it has placed the model.
/// </remarks>
public sealed class FlatParameterGroup : IDisposable
{
    readonly long[] _offsets;

    public FlatParameterGroup(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0) throw new ArgumentException("A parameter group needs at least one parameter.", nameof(parameters));
        var (dtype, device) = (parameters[0].dtype, parameters[0].device);
        if (parameters.Any(p => p.dtype != dtype || p.device.ToString() != device.ToString()))
            throw new ArgumentException("Parameters packed together must share one dtype and device.", nameof(parameters));
        Parameters = parameters;
        _offsets = new long[parameters.Count + 1];
        for (int i = 0; i < parameters.Count; i++) _offsets[i + 1] = _offsets[i] + parameters[i].numel();
        Values = empty(_offsets[^1], dtype, device);
        Gradients = zeros(_offsets[^1], dtype, device);
        using var noGrad = no_grad();
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var values = Slice(Values, i);
            using (var old = p.grad) if (old is not null) Slice(Gradients, i).copy_(old).Dispose();
            values.copy_(p);
            p.set_(values);
            using var gradient = Slice(Gradients, i);
            p.grad = gradient;
        }
        // The storage the parameters had is not always freed by re-pointing them: TorchSharp's convolutions leave, for
        // the finalizer, a view of the weight made while initialising the bias. Until a collection it keeps the old
        // weight allocated beside the packed copy (ModernCNN: 42 MiB more at a training step's peak; resident peak of
        // `bench train` 626-629 MiB without this collection, 575-585 with it). Once per group packed; milliseconds.
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>All values, in the parameters' order (each parameter is a view of its slice).</summary>
    public Tensor Values { get; }

    /// <summary>All gradients, laid out as <see cref="Values"/>.</summary>
    public Tensor Gradients { get; }

    public long ElementCount => _offsets[^1];

    /// <summary>
    /// The most elements an operation on a flat buffer should make a temporary of (1 Mi: 4 MiB in fp32, 8 MiB for
    /// clipping's fp64 sum): a whole-buffer temporary is a copy of the model (44 MB for ModernCNN), which glibc maps afresh
    /// and faults in at every step (it maps blocks over 32 MiB). 4 Mi chunks made 16 MiB blocks and 32 MiB fp64 copies,
    /// larger than any activation of the step, and they left holes the heap grew around: with 1 Mi, ModernCNN's CPU
    /// step peaked at 545–607 MiB resident against 583–635, and ran faster (docs/performance-history.md). See <see cref="Chunks"/>.
    /// </summary>
    public const long ChunkElements = 1 << 20;

    /// <summary>A flat buffer as views of at most <see cref="ChunkElements"/> elements each, in order.</summary>
    public static Tensor[] Chunks(Tensor buffer) => buffer.reshape(-1).split(ChunkElements);

    /// <summary>A buffer with the group's layout (optimizer state), and each parameter's slice of it as a view.</summary>
    public (Tensor Buffer, Tensor[] Views) NewBuffer(ScalarType? dtype = null)
    {
        var buffer = zeros(ElementCount, dtype ?? Values.dtype, Values.device);
        return (buffer, Enumerable.Range(0, Parameters.Count).Select(i => Slice(buffer, i)).ToArray());
    }

    public void ZeroGradients() => Gradients.zero_();

    Tensor Slice(Tensor buffer, int i) => buffer.narrow(0, _offsets[i], _offsets[i + 1] - _offsets[i]).view(Parameters[i].shape);

    public void Dispose()
    {
        Values.Dispose();
        Gradients.Dispose();
    }
}
