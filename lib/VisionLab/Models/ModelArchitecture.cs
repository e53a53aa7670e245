using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>
/// What a weights file must match: every tensor's name and shape, plus the variants that names and shapes cannot
/// tell apart (a pre-norm and a post-norm ViT have identical tensors but compute different functions).
/// </summary>
public static class ModelArchitecture
{
    /// <summary>The class and its shape-invisible variants, e.g. "VisionTransformer, post-norm" or "ModernCNN".</summary>
    public static string Describe(nn.Module model)
    {
        var parts = new List<string> { model.GetName() };
        if (model.modules().OfType<TransformerBlock>().FirstOrDefault() is { } block)
            parts.Add(block.NormFirst ? "pre-norm" : "post-norm");
        return string.Join(", ", parts);
    }

    /// <summary>True when a recorded description fits the model; a record from before variants were recorded has only the class name.</summary>
    public static bool Fits(string recorded, nn.Module model) =>
        recorded == Describe(model) || (!recorded.Contains(',') && recorded == model.GetName());

    /// <summary>Every tensor of the model's state dict: name → shape.</summary>
    public static IReadOnlyDictionary<string, long[]> Signature(nn.Module model) =>
        model.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.shape);

    /// <summary>
    /// Null when a file's tensors are exactly the model's; otherwise a short description of the first differences
    /// (missing, unexpected, different shapes).
    /// </summary>
    public static string? Mismatch(IReadOnlyDictionary<string, long[]> model, IReadOnlyDictionary<string, long[]> file)
    {
        var problems = new List<string>();
        foreach (var (name, shape) in file)
        {
            if (!model.TryGetValue(name, out var expected)) problems.Add($"unexpected {name}");
            else if (!shape.SequenceEqual(expected)) problems.Add($"{name} is [{string.Join(", ", shape)}] in the file, [{string.Join(", ", expected)}] in the model");
        }
        problems.AddRange(model.Keys.Where(name => !file.ContainsKey(name)).Select(name => $"missing {name}"));
        if (problems.Count == 0) return null;
        return string.Join("; ", problems.Take(3)) + (problems.Count > 3 ? $" (and {problems.Count - 3} more)" : "") +
               $"; the file has {file.Count} tensors, the model {model.Count}";
    }
}
