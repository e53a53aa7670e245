using BenchmarkDotNet.Attributes;
using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Benchmarks;

/// <summary>Per-image cost of the augmentation recipes (one 28x28 grayscale Fashion-MNIST-sized image, uint8).</summary>
[MemoryDiagnoser]
public class AugmentationBenchmarks
{
    Tensor _image = null!;
    readonly IImageTransform _guide = GuidePipeline.Train(InputFormat.Gray28);
    readonly IImageTransform _light = GuidePipeline.Light(InputFormat.Gray28);
    readonly IImageTransform _simclr = SimClrAugmentation.Pairs(InputFormat.Gray28);
    int _draw;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoaded();
        _image = randint(0, 256, new long[] { 1, 28, 28 }, dtype: ScalarType.Byte, generator: new Generator(0));
    }

    [GlobalCleanup]
    public void Cleanup() => _image.Dispose();

    Tensor Run(IImageTransform transform)
    {
        using var scope = NewDisposeScope();
        return transform.Apply(_image, VisionLab.Core.Seeds.ForItem(0, 0, _draw++)).MoveToOuterDisposeScope();
    }

    [Benchmark(Baseline = true)]
    public void GuideTrainPipeline() => Run(_guide).Dispose();

    [Benchmark]
    public void LightPipeline() => Run(_light).Dispose();

    [Benchmark]
    public void SimClrPair() => Run(_simclr).Dispose();
}
