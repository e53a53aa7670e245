using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>Loads a model's weights from any file the library writes, chosen by extension.</summary>
public static class WeightFiles
{
    public const string Description = "a checkpoint (.ckpt), TorchSharp weights (.bin), or PyTorch weights (.pt, .pth, .safetensors)";

    public static void Load(nn.Module model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights not found: {path}", path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".ckpt": Checkpoint.LoadModel(model, path); break;
            case ".bin": model.load(path); break;
            case ".pt" or ".pth" or ".safetensors": PyTorchWeights.Load(model, path); break;
            case ".onnx": throw new ArgumentException($"{path} is an ONNX model, not weights: run it with OnnxModel or Predictor.FromOnnx.");
            default: throw new ArgumentException($"Unknown weights file {path}: expected {Description}.");
        }
    }
}
