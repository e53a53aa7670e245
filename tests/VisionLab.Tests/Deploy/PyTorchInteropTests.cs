using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>
/// PyTorch interop both ways, on a tiny configuration of the guide's ViT (tests/golden/make_interop_goldens.py):
/// PyTorch's own files load into our model with PyTorch's logits; a file we wrote loaded into the guide's PyTorch
/// model gave logits that ours reproduce; a TorchScript module traced in PyTorch runs here.
/// </summary>
public sealed class PyTorchInteropTests
{
    static readonly System.Text.Json.JsonElement Golden = new GoldenFile("interop.json").Root;
    static string GoldenPath(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", name);

    static VisionTransformer Tiny() => new(imgSize: 32, patchSize: 8, numClasses: 10, embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2.0);

    static void AssertLogits(string key, Tensor actual)
    {
        using var expected = tensor(Golden.GetProperty(key).EnumerateArray().Select(e => e.GetSingle()).ToArray()).view(2, 10);
        var maxDiff = (actual - expected).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-5, $"{key}: max |ours - PyTorch| = {maxDiff}");
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Weights_saved_by_the_guides_PyTorch_code_give_its_logits_here()
    {
        using var model = Tiny();
        PyTorchWeights.Load(model, GoldenPath("guide_vit_tiny.pt"));
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        AssertLogits("guide_logits", model.call(GoldenWeights.Input(2, 3, 32, 32)));
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Weights_we_save_give_the_logits_PyTorch_computed_from_our_file()
    {
        // The committed file was written by PyTorchWeights.Save from these formula weights; PyTorch loaded it
        // (torch.load + strict load_state_dict into the guide's class) and recorded its logits.
        using var model = Tiny();
        GoldenWeights.Fill(model, model.state_dict().Keys.ToList());
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "ours.pt");
        PyTorchWeights.Save(model, path);
        using var fromCommitted = Tiny();
        PyTorchWeights.Load(fromCommitted, GoldenPath("visionlab_vit_tiny.pt"));
        using var scope = NewDisposeScope();
        var fresh = model.state_dict();
        foreach (var (name, value) in fromCommitted.state_dict())
            Assert.True(value.eq(fresh[name]).all().item<bool>(), $"{name}: today's save differs from the file PyTorch checked");
        model.eval();
        using var noGrad = no_grad();
        AssertLogits("visionlab_file_logits_in_pytorch", model.call(GoldenWeights.Input(2, 3, 32, 32)));
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void A_TorchScript_module_traced_in_PyTorch_runs_here_with_our_preprocessing()
    {
        using var script = new TorchScriptModel(Path.Combine(Repository.Root, "data", "samples", "guide_vit_tiny_torchscript.pt"));
        using var scope = NewDisposeScope();
        AssertLogits("guide_logits", script.Run(GoldenWeights.Input(2, 3, 32, 32)));
        using var predictor = Predictor.FromFunction(script.Run, VisionLab.Data.FashionMnist.Classes, VisionLab.Data.InputFormat.Gray28, script.Path);
        var samples = Predictor.ImagesIn(Path.Combine(Repository.Root, "data", "samples"));
        var predictions = predictor.Predict(samples, topK: 2);
        Assert.Equal(10, predictions.Count);
        Assert.All(predictions, p => Assert.True(p.Succeeded && p.Top.Count == 2 && p.Top.Sum(t => t.Probability) <= 1.0 + 1e-6));

        using var folder = new TemporaryFolder();
        var junk = Path.Combine(folder.Path, "junk.pt");
        File.WriteAllText(junk, "not a TorchScript archive");
        Assert.Throws<InvalidDataException>(() => new TorchScriptModel(junk));
        Assert.Throws<FileNotFoundException>(() => new TorchScriptModel(Path.Combine(folder.Path, "missing.pt")));
    }
}
