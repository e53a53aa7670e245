using System.Text.Json;
using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>
/// Weights written in PyTorch's formats come back identical. (That torch.load + load_state_dict accept the .pt on
/// the guide's own ModernCNN is checked by tests/golden/check_pytorch_export.py where PyTorch is installed.)
/// </summary>
public sealed class PyTorchWeightsTests
{
    [Theory]
    [InlineData("model.pt")]
    [InlineData("model.safetensors")]
    [Trait("Category", "Numerics")]
    public void Saved_weights_load_back_and_give_the_PyTorch_golden_logits(string fileName)
    {
        var golden = new GoldenFile("modern_cnn.json").Root;
        var names = golden.GetProperty("state").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, fileName);
        using (var source = new ModernCNN(10))
        {
            GoldenWeights.Fill(source, names);
            PyTorchWeights.Save(source, path);
        }
        using var loaded = new ModernCNN(10);
        PyTorchWeights.Load(loaded, path);
        loaded.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = loaded.call(GoldenWeights.Input(2, 3, 32, 32));
        var expected = tensor(golden.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray()).view(2, 10);
        Assert.True((logits - expected).abs().max().item<float>() <= 1e-5);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Weights_of_another_architecture_are_a_clear_error()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "other.pt");
        using (var other = new ModernCNN(5)) PyTorchWeights.Save(other, path);
        using var model = new ModernCNN(10);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeights.Load(model, path));
        Assert.Contains("same architecture", error.Message);
        Assert.Throws<FileNotFoundException>(() => PyTorchWeights.Load(model, Path.Combine(folder.Path, "missing.pt")));
    }
}
