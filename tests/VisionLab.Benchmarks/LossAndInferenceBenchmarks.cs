using BenchmarkDotNet.Attributes;
using VisionLab.Core;
using VisionLab.Deploy;
using VisionLab.Deploy.Onnx;
using VisionLab.Models;
using VisionLab.SelfSupervised;
using static TorchSharp.torch;

namespace VisionLab.Benchmarks;

/// <summary>NT-Xent on a SimCLR batch (256 pairs of 128-d projections), forward and backward.</summary>
[MemoryDiagnoser]
public class NtXentBenchmarks
{
    Tensor _z1 = null!, _z2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoaded();
        _z1 = randn(256, 128, generator: new Generator(1)).requires_grad_();
        _z2 = randn(256, 128, generator: new Generator(2)).requires_grad_();
    }

    [Benchmark]
    public void LossAndGradient()
    {
        using var scope = NewDisposeScope();
        NtXent.Loss(_z1, _z2, 0.5).backward();
        _z1.grad!.zero_();
        _z2.grad!.zero_();
    }
}

/// <summary>ModernCNN inference on one batch of 32: TorchSharp eager vs ONNX Runtime fp32 vs INT8 (untrained weights).</summary>
public class InferenceBenchmarks
{
    ModernCNN _model = null!;
    OnnxModel _fp32 = null!, _int8 = null!;
    Tensor _batch = null!;
    string _folder = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoaded();
        manual_seed(0);
        _model = new ModernCNN(10);
        _model.eval();
        _batch = randn(32, 3, 32, 32, generator: new Generator(3));
        _folder = Directory.CreateTempSubdirectory("visionlab-bdn-").FullName;
        var onnx = OnnxExporter.ToModel(_model, new long[] { 3, 32, 32 });
        OnnxExporter.Save(onnx, Path.Combine(_folder, "fp32.onnx"));
        OnnxExporter.Save(OnnxQuantizer.Quantize(onnx, new[] { _batch }), Path.Combine(_folder, "int8.onnx"));
        _fp32 = new OnnxModel(Path.Combine(_folder, "fp32.onnx"));
        _int8 = new OnnxModel(Path.Combine(_folder, "int8.onnx"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fp32.Dispose();
        _int8.Dispose();
        _model.Dispose();
        _batch.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntimeFp32() => _fp32.Run(_batch).Dispose();

    [Benchmark]
    public void OnnxRuntimeInt8() => _int8.Run(_batch).Dispose();

    [Benchmark]
    public void TorchSharpEager()
    {
        using var noGrad = inference_mode();
        _model.call(_batch).Dispose();
    }
}
