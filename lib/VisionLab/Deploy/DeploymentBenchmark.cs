using Onnx;
using VisionLab.Deploy.Onnx;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;
using Tensor = TorchSharp.torch.Tensor;

namespace VisionLab.Deploy;

/// <summary>One engine's result: accuracy on the test loader, and images/s per batch size (median of rounds).</summary>
public sealed record EngineResult(string Engine, double Accuracy, IReadOnlyDictionary<int, InferenceTiming> Timings, long? FileBytes);

/// <summary>
/// The deployment chapter's measurement, shared by notebook 08 and `visionlab bench inference`: a trained model run
/// by TorchSharp, by ONNX Runtime from the fp32 export, and by ONNX Runtime from INT8 exports calibrated by min-max
/// and by percentile; the same test images for accuracy and the same random batches for speed, engines alternating
/// round by round so that all see the same machine state.
/// </summary>
public static class DeploymentBenchmark
{
    public static IReadOnlyList<EngineResult> Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<Tensor> calibration, DataLoader test, string folder,
        int[] batchSizes, int rounds = 3, int repetitions = 10, int? threads = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        model.eval();
        var shape = OnnxExporter.DefaultInputShape(model);
        var fp32Model = OnnxExporter.ToModel(model, shape);
        var files = new List<(string Engine, string Path)> { ("ONNX Runtime fp32", Path.Combine(folder, "model.onnx")) };
        OnnxExporter.Save(fp32Model, files[0].Path);
        foreach (var method in new[] { CalibrationMethod.MinMax, CalibrationMethod.Percentile })
        {
            log?.Invoke($"quantizing to INT8, activation ranges by {method} on {calibration.Sum(b => b.shape[0])} images");
            var path = Path.Combine(folder, $"model-int8-{method.ToString().ToLowerInvariant()}.onnx");
            OnnxExporter.Save(OnnxQuantizer.Quantize(fp32Model, calibration, new QuantizationOptions { Method = method }), path);
            files.Add(($"ONNX Runtime INT8 ({(method == CalibrationMethod.MinMax ? "min-max" : "percentile")})", path));
        }
        var sessions = files.Select(f => (f.Engine, Model: new OnnxModel(f.Path, threads), Bytes: (long?)new FileInfo(f.Path).Length)).ToList();
        try
        {
            var engines = new List<(string Name, Func<Tensor, Tensor> Run, long? Bytes)> { ("TorchSharp", InferenceEngine.FromModel(model), null) };
            engines.AddRange(sessions.Select(s => (s.Engine, (Func<Tensor, Tensor>)s.Model.Run, s.Bytes)));
            var accuracy = engines.ToDictionary(e => e.Name, e =>
            {
                log?.Invoke($"accuracy: {e.Name}");
                return InferenceBenchmark.Accuracy(e.Run, test, cancellationToken);
            });
            var samples = engines.ToDictionary(e => e.Name, _ => batchSizes.ToDictionary(b => b, _ => new List<InferenceTiming>()));
            foreach (int batch in batchSizes)
            {
                using var input = randn(new long[] { batch }.Concat(shape).ToArray(), generator: new Generator(7));
                for (int round = 0; round < rounds; round++)
                    foreach (var engine in engines)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        log?.Invoke($"batch {batch}, round {round + 1}/{rounds}: {engine.Name}");
                        samples[engine.Name][batch].Add(InferenceBenchmark.Time(engine.Name, engine.Run, input, repetitions));
                    }
            }
            return engines.Select(e => new EngineResult(e.Name, accuracy[e.Name],
                samples[e.Name].ToDictionary(kv => kv.Key, kv => kv.Value.OrderBy(t => t.ImagesPerSecond).ElementAt(kv.Value.Count / 2)), e.Bytes)).ToList();
        }
        finally { sessions.ForEach(s => s.Model.Dispose()); }
    }
}
