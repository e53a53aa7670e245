using VisionLab.Augmentation;
using VisionLab.Data;
using VisionLab.Explain;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Tests.Models;

public sealed class CompactConvTransformerTests
{
    [Fact]
    public void Tokenizes_to_an_8x8_grid_reuses_the_transformer_blocks_and_pools_with_weights_summing_to_one()
    {
        using var scope = NewDisposeScope();
        using var model = new CompactConvTransformer(numClasses: 10);
        var names = model.state_dict().Keys.ToList();
        Assert.Contains("tokenizer.0.weight", names);
        Assert.Contains("transformer.layers.5.self_attn.in_proj_weight", names);
        Assert.Contains("attention_pool.weight", names);
        Assert.DoesNotContain("cls_token", names);
        model.eval();
        using var output = model.ForwardWithAttention(randn(3, 3, 32, 32));
        Assert.Equal(new long[] { 3, 10 }, output.Logits.shape);
        Assert.Equal(8, output.GridSize);
        Assert.Equal(new long[] { 3, 3, 64, 64 }, output.Attention[0].shape);
        Assert.True((output.PoolWeights!.sum(-1) - 1).abs().max().item<float>() < 1e-5);
        Assert.Equal(new long[] { 3, 8, 8 }, AttentionMaps.Rollout(output).shape);
        Assert.Contains("[N, 3, 32, 32]", Assert.Throws<ArgumentException>(() => model.call(randn(1, 1, 32, 32))).Message);
    }

    [Fact]
    public void A_ViT_with_the_hybrids_blocks_and_pooling_differs_from_it_only_in_the_tokenizer()
    {
        using var scope = NewDisposeScope();
        using var vit = VisionTransformer.Small32(normFirst: true, mlpRatio: 2, pooling: TokenPooling.Sequence);
        using var hybrid = new CompactConvTransformer(numClasses: 10);
        var ours = vit.state_dict().Where(kv => !kv.Key.StartsWith("patch_embed.")).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = hybrid.state_dict().Where(kv => !kv.Key.StartsWith("tokenizer.")).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        foreach (var (name, shape) in theirs) Assert.True(shape.SequenceEqual(ours[name]), name);
        Assert.True(vit.Transformer[0].NormFirst);
        Assert.Equal(TokenPooling.Sequence, vit.Pooling);

        // The hybrid's weights outside the tokenizer load into the ViT as they are; then it pools like the hybrid.
        vit.load_state_dict(hybrid.state_dict().Where(kv => !kv.Key.StartsWith("tokenizer.")).ToDictionary(), strict: false);
        vit.eval();
        using var output = vit.ForwardWithAttention(randn(3, 3, 32, 32));
        Assert.False(output.HasClassToken);
        Assert.Equal(new long[] { 3, 10 }, output.Logits.shape);
        Assert.Equal(new long[] { 3, 3, 64, 64 }, output.Attention[0].shape);
        Assert.True((output.PoolWeights!.sum(-1) - 1).abs().max().item<float>() < 1e-5);
        Assert.Equal(new long[] { 3, 8, 8 }, AttentionMaps.Rollout(output).shape);
        Assert.Equal(new long[] { 2, 10 }, vit.call(randn(2, 3, 32, 32)).shape);
    }

    [Fact]
    public void The_guides_ViT_keeps_its_class_token_and_a_bad_mlp_ratio_is_named()
    {
        using var vit = VisionTransformer.Small32();
        Assert.Equal(TokenPooling.ClassToken, vit.Pooling);
        Assert.Contains("cls_token", vit.state_dict().Keys);
        Assert.DoesNotContain("attention_pool.weight", vit.state_dict().Keys);
        Assert.Contains("MLP ratio", Assert.Throws<ArgumentOutOfRangeException>(() => VisionTransformer.Small32(mlpRatio: 0)).Message);
    }

    [Fact]
    public void Smaller_than_the_CNN_and_close_to_the_ViT()
    {
        using var hybrid = new CompactConvTransformer(numClasses: 10);
        using var vit = VisionTransformer.Small32();
        long parameters = ModelSummary.ParameterCount(hybrid);
        Assert.InRange(parameters, 1_500_000, ModelSummary.ParameterCount(vit) + 200_000);
    }
}

[Collection(GarbageCollectingTests.Name)]
public sealed class ModelComparisonAndLocalizationTests
{
    [Fact]
    public void Comparison_reports_accuracy_size_speed_and_history_without_owning_the_model()
    {
        var data = new SyntheticShapes(64, seed: 0, task: SyntheticTask.Pattern);
        var loader = new DataLoader(data, GuidePipeline.Evaluate(data.Format), new DataLoaderOptions { BatchSize = 32, Workers = 1 });
        manual_seed(0);
        using var model = new CompactConvTransformer(numClasses: 5, embedDim: 48, depth: 1, numHeads: 2);
        var result = ModelComparison.Train("tiny", model, loader, loader, epochs: 2, objective: new SupervisedObjective { MixProbability = 0 });
        Assert.Equal("tiny", result.Name);
        Assert.Equal(2, result.History.Count);
        Assert.Equal(result.History[^1].ValidationAccuracy, result.Accuracy);
        Assert.True(result.TrainImagesPerSecond > 0 && result.TrainTime > TimeSpan.Zero);
        Assert.Equal(ModelSummary.ParameterCount(model), result.Parameters);
        using (var scope = NewDisposeScope()) Assert.Equal(new long[] { 1, 5 }, model.call(randn(1, 3, 32, 32)).shape);   // still usable
    }

    [Fact]
    public void Localization_shares_are_fractions_and_uniform_equals_the_share_of_object_patches()
    {
        var data = new SyntheticShapes(40, seed: 2, task: SyntheticTask.Pattern);
        manual_seed(0);
        using var model = VisionTransformer.Small32(numClasses: 5);
        long before = LiveTensorsCount();
        var result = AttentionLocalization.Measure(model, data, GuidePipeline.Evaluate(data.Format), batchSize: 16);
        Assert.Equal(before, LiveTensorsCount());
        Assert.Equal(40, result.Count);
        Assert.All(result.LastLayer.Concat(result.Rollout).Concat(result.Uniform).Concat(result.LastLayerHeads.SelectMany(h => h)), v => Assert.InRange(v, 0, 1));
        Assert.Equal(3, result.LastLayerHeads.Length);
        using var scope = NewDisposeScope();
        var masks = data.Masks(Enumerable.Range(0, 40).ToArray());
        var patchShare = ObjectMasks.ObjectPatches(masks, 8).to(ScalarType.Float32).mean([1, 2]).to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < 40; i++) Assert.Equal(patchShare[i], result.Uniform[i], 5);
        Assert.True(model.training, "the model's mode is restored");
    }

    static long LiveTensorsCount() => VisionLab.Core.LiveTensors.Count();
}
