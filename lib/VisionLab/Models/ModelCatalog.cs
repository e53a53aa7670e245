using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>The library's models by name, for the command line. All take 3-channel 32x32 images (the pipelines adapt grayscale 28x28).</summary>
public static class ModelCatalog
{
    public const string Names = "modern-cnn (the guide's, ImageNet stem), modern-cnn-cifar (3x3 stride-1 stem), " +
                                "vit-32 (the guide's 32x32 ViT: patch 4, dim 192, depth 6, 3 heads), vit-32-prenorm, " +
                                "hybrid-32 (convolutional tokenizer + the same transformer, sequence pooling)";

    /// <summary>Every name <see cref="Create"/> takes.</summary>
    public static IReadOnlyList<string> Entries { get; } = ["modern-cnn", "modern-cnn-cifar", "vit-32", "vit-32-prenorm", "hybrid-32"];

    public static nn.Module<Tensor, Tensor> Create(string name, int classes) => name.Trim().ToLowerInvariant() switch
    {
        "modern-cnn" => new ModernCNN(classes),
        "modern-cnn-cifar" => new ModernCNN(classes, stem: CnnStem.Cifar),
        "vit-32" => VisionTransformer.Small32(classes),
        "vit-32-prenorm" => VisionTransformer.Small32(classes, normFirst: true),
        "hybrid-32" => new CompactConvTransformer(numClasses: classes),
        _ => throw new ArgumentException($"Unknown model '{name}'. Choose one of: {Names}."),
    };
}
