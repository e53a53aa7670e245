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

    /// <summary>
    /// The trainer packs parameters into flat buffers (each a view at an offset); PyBridge recorded those offsets with
    /// only the tensor's own bytes, and PyTorch refused the file. Saved from compact copies, PyTorch reads it (checked
    /// with Debian's python3-torch where installed, as CI does) and so do we.
    /// </summary>
    [Fact]
    public void Packed_parameters_are_saved_as_a_pt_file_PyTorch_reads()
    {
        manual_seed(3);
        var model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3));
        VisionLab.Core.TensorCountCorrection.ForgetParameterDuplicates(model);
        using var optimizer = new VisionLab.Training.MultiTensorAdamW(optim.AdamW(model.parameters()));
        Assert.Contains(model.parameters(), p => p.storage_offset() > 0);
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "packed.pt");
        PyTorchWeights.Save(model, path);

        var loaded = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3));
        PyTorchWeights.Load(loaded, path);
        foreach (var (a, b) in model.parameters().Zip(loaded.parameters()))
            Assert.True(a.equal(b).all().item<bool>());

        var (code, lines) = VisionLab.Core.ChildProcess.Run("/usr/bin/python3",
            ["-c", "import torch, sys; print(' '.join(k + '=' + ','.join(repr(x) for x in v.flatten().tolist()) for k, v in torch.load(sys.argv[1]).items()))", path]);
        if (!File.Exists("/usr/bin/python3") || lines.Any(l => l.Contains("No module named 'torch'", StringComparison.Ordinal)))
        {
            const string why = "Reading the file in PyTorch needs Debian's python3-torch: sudo apt-get install python3-torch";
            if (Environment.GetEnvironmentVariable("VISIONLAB_REQUIRE_TORCHRUN") == "1") Assert.Fail(why);
            Assert.Skip(why);
        }
        Assert.True(code == 0, string.Join("\n", lines));
        var theirs = lines[^1].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0],
            p => p[1].Split(',').Select(x => (float)double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        foreach (var (name, value) in model.state_dict())
            Assert.Equal(value.detach().data<float>().ToArray(), theirs[name]);
    }

    [Fact]
    public void Weights_of_another_architecture_are_a_clear_error()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "other.pt");
        using (var other = VisionTransformer.Small32(10)) PyTorchWeights.Save(other, path);
        using var model = new ModernCNN(10);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeights.Load(model, path));
        Assert.Contains("same architecture", error.Message);
        // The same network for another number of classes is said as such (issue 35).
        var fewer = Path.Combine(folder.Path, "five-classes.pt");
        using (var five = new ModernCNN(5)) PyTorchWeights.Save(five, fewer);
        Assert.Contains("trained for 5 classes, but the data given has 10", Assert.Throws<InvalidDataException>(() => PyTorchWeights.Load(model, fewer)).Message);
        Assert.Throws<FileNotFoundException>(() => PyTorchWeights.Load(model, Path.Combine(folder.Path, "missing.pt")));
    }
}
