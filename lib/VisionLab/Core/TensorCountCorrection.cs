using System.Runtime.CompilerServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Core;

/// <summary>
/// TorchSharp 0.107 counts every Parameter twice in <c>Tensor.TotalCount</c>: <c>new Parameter(t)</c> takes
/// the handle of <c>t</c> (MoveHandle) without decrementing the count, and the Parameter increments it again.
/// The count then never returns to its baseline, and leak checks cannot tell a model from a leak.
/// <see cref="ForgetParameterDuplicates"/> removes the extra count once per Parameter object; the library's
/// models call it in their constructors and the <see cref="Training.Trainer"/> calls it for any model it gets.
/// </summary>
public static class TensorCountCorrection
{
    static readonly ConditionalWeakTable<Parameter, object> Corrected = new();
    static readonly object Marker = new();

    [UnsafeAccessor(UnsafeAccessorKind.StaticField, Name = "_totalCount")]
    static extern ref long TotalCount(Tensor? owner);

    public static void ForgetParameterDuplicates(nn.Module module) => ForgetParameterDuplicates(module.parameters());

    public static void ForgetParameterDuplicates(IEnumerable<Parameter> parameters)
    {
        long count = parameters.Count(p => Corrected.TryAdd(p, Marker));
        if (count > 0) Interlocked.Add(ref TotalCount(null), -count);
    }
}
