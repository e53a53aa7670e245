using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Interactive;

/// <summary>
/// Keeps the notebook's tensor-leak check true for modules the reader writes. TorchSharp 0.107 counts each
/// Parameter twice (<see cref="TensorCountCorrection"/>); the library's models correct themselves, but a module
/// written in a cell should read like PyTorch, without that line. So after every cell the kernel runs, this looks
/// at the notebook's variables and corrects every module it finds there (a module, or a collection of them).
/// A module created and disposed inside a method, never held by a variable, is not seen and still counts twice.
/// Found through reflection, because the library does not reference the kernel: under any other host (the CLI,
/// the tests) <see cref="Install"/> finds no kernel and does nothing.
/// </summary>
public static class CellModuleCounting
{
    static readonly ConditionalWeakTable<object, object> InstalledOn = new();

    /// <summary>Adds the correction to the kernel running the current cell; true when there was one.</summary>
    public static bool Install()
    {
        var contextType = Type.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext, Microsoft.DotNet.Interactive");
        var kernel = contextType?.GetProperty("Current")?.GetValue(null) is { } context
            ? context.GetType().GetProperty("HandlingKernel")?.GetValue(context) : null;
        var addMiddleware = kernel?.GetType().GetMethod("AddMiddleware");
        var middlewareType = addMiddleware?.GetParameters()[0].ParameterType;
        if (kernel is null || middlewareType is null || !InstalledOn.TryAdd(kernel, kernel)) return false;
        // KernelCommandPipelineMiddleware(command, context, next): bound to AfterEachCommand by parameter contravariance.
        var middleware = Delegate.CreateDelegate(middlewareType, typeof(CellModuleCounting).GetMethod(nameof(AfterEachCommand), BindingFlags.NonPublic | BindingFlags.Static)!);
        addMiddleware!.Invoke(kernel, [middleware, nameof(CellModuleCounting)]);
        return true;
    }

    static async Task AfterEachCommand(object command, object context, Delegate next)
    {
        await (Task)next.DynamicInvoke(command, context)!;
        if (command.GetType().Name != "SubmitCode") return;
        var kernel = context.GetType().GetProperty("HandlingKernel")?.GetValue(context);
        var state = kernel?.GetType().GetProperty("ScriptState")?.GetValue(kernel);
        if (state?.GetType().GetProperty("Variables")?.GetValue(state) is not IEnumerable variables) return;
        foreach (var variable in variables)
            Correct(variable.GetType().GetProperty("Value")?.GetValue(variable));
    }

    /// <summary>Corrects a module, or the modules of a collection (an array of replicas, a list of blocks).</summary>
    public static void Correct(object? value)
    {
        switch (value)
        {
            case nn.Module module:
                Forget(module);
                break;
            // Only collections already built (arrays, lists): enumerating a lazy query held in a variable would run it again.
            case ICollection items:
                foreach (var item in items)
                    if (item is nn.Module m) Forget(m);
                    else break;   // a collection of something else: not walked further
                break;
        }
    }

    static void Forget(nn.Module module)
    {
        try { TensorCountCorrection.ForgetParameterDuplicates(module); }
        catch (ObjectDisposedException) { }   // disposed in an earlier cell: corrected then, or never counted again
    }
}
