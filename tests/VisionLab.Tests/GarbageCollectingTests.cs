namespace VisionLab.Tests;

/// <summary>
/// Tests that force garbage collections (leak counts, retained memory) run alone, after the parallel ones. A forced
/// collection runs finalizers while other tests are inside native calls, and TorchSharp 0.107 passes temporary Scalars
/// (the implicit <c>alpha = 1</c> of every <c>a + b</c>) to native code without keeping them alive, so a collection
/// beside them can free one mid-call ("Expected false to be true" in <c>Scalar::toFloat</c>; docs/reliability.md, Known problems).
/// Seen twice in CI in the ONNX exporter's batch-norm folding while leak checks ran beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GarbageCollectingTests
{
    public const string Name = "Forces garbage collections";
}
