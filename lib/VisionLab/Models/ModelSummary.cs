using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>Parameter counts of a module.</summary>
public static class ModelSummary
{
    public static long ParameterCount(nn.Module module, bool trainableOnly = false) =>
        module.parameters().Where(p => !trainableOnly || p.requires_grad).Sum(p => p.numel());

    /// <summary>Parameters per top-level child (conv1, bn1, layer1, ...), in order.</summary>
    public static IReadOnlyList<(string Name, long Parameters)> ParametersByChild(nn.Module module) =>
        module.named_children().Select(c => (c.name, c.module.parameters().Sum(p => p.numel()))).ToList();
}
