using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>The library's models by name, for the command line. All take 3-channel 32x32 images (the pipelines adapt grayscale 28x28).</summary>
public static class ModelCatalog
{
    sealed record Entry(string Name, string? About, Func<int, nn.Module<Tensor, Tensor>> Create);

    static readonly Entry[] All =
    [
        new("modern-cnn", "the guide's, ImageNet stem", classes => new ModernCNN(classes)),
        new("modern-cnn-cifar", "3x3 stride-1 stem", classes => new ModernCNN(classes, stem: CnnStem.Cifar)),
        new("vit-32", "the guide's 32x32 ViT: patch 4, dim 192, depth 6, 3 heads", classes => VisionTransformer.Small32(classes)),
        new("vit-32-prenorm", null, classes => VisionTransformer.Small32(classes, normFirst: true)),
        new("hybrid-32", "convolutional tokenizer + the same transformer, sequence pooling", classes => new CompactConvTransformer(numClasses: classes)),
    ];

    /// <summary>Every name <see cref="Create"/> takes.</summary>
    public static IReadOnlyList<string> Entries { get; } = [.. All.Select(e => e.Name)];

    /// <summary>The names with what each is, for help texts and errors.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(e => e.About is null ? e.Name : $"{e.Name} ({e.About})"));

    public static nn.Module<Tensor, Tensor> Create(string name, int classes) =>
        (All.FirstOrDefault(e => e.Name == name.Trim().ToLowerInvariant()) ?? throw new ArgumentException($"Unknown model '{name}'. Choose one of: {Names}.")).Create(classes);
}
