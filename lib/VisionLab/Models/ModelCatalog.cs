using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>The library's models by name, for the command line.</summary>
public static class ModelCatalog
{
    public const string Names = "modern-cnn (the guide's, ImageNet stem), modern-cnn-cifar (3x3 stride-1 stem)";

    public static nn.Module<Tensor, Tensor> Create(string name, int classes) => name.Trim().ToLowerInvariant() switch
    {
        "modern-cnn" => new ModernCNN(classes),
        "modern-cnn-cifar" => new ModernCNN(classes, stem: CnnStem.Cifar),
        _ => throw new ArgumentException($"Unknown model '{name}'. Choose one of: {Names}."),
    };
}
