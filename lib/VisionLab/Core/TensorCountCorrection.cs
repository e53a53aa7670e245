using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Core;

/// <summary>
/// TorchSharp 0.107 counts every Parameter twice in <c>Tensor.TotalCount</c>: <c>new Parameter(t)</c> takes
/// the handle of <c>t</c> (MoveHandle) without decrementing the count, and the Parameter increments it again.
/// The count then never returns to its baseline and leak checks cannot tell a model from a leak. The
/// library's modules call <see cref="ForgetParameterDuplicates"/> once, at the end of their constructor, for
/// the parameters they created (their own and those of TorchSharp modules below them, not those of other
/// VisionLab modules, which correct themselves).
/// </summary>
public static class TensorCountCorrection
{
    [UnsafeAccessor(UnsafeAccessorKind.StaticField, Name = "_totalCount")]
    static extern ref long TotalCount(Tensor? owner);

    public static void ForgetParameterDuplicates(nn.Module module)
    {
        long created = CreatedBy(module, isRoot: true);
        if (created > 0) Interlocked.Add(ref TotalCount(null), -created);
    }

    static long CreatedBy(nn.Module module, bool isRoot)
    {
        if (!isRoot && IsSelfCorrecting(module)) return 0;
        long own = module.named_parameters(recurse: false).LongCount();
        return own + module.named_children().Sum(c => CreatedBy(c.module, isRoot: false));
    }

    static bool IsSelfCorrecting(nn.Module module) => module.GetType().Namespace?.StartsWith("VisionLab.", StringComparison.Ordinal) == true;
}
