using VisionLab.Explain;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Tests.Explain;

public sealed class AttentionMapsTests
{
    /// <summary>Attention of one layer where every token attends only to token <paramref name="target"/>.</summary>
    static Tensor Focused(long batch, long heads, long tokens, long target)
    {
        var weights = zeros(batch, heads, tokens, tokens);
        weights[.., .., .., target] = tensor(1f);
        return weights;
    }

    [Fact]
    public void Class_token_maps_pick_the_attended_patch()
    {
        using var scope = NewDisposeScope();
        // 2x2 grid + class token: T = 5. The class token attends to token 3 = patch 2 = grid (1, 0).
        using var output = new AttentionOutput(zeros(1, 2), [Focused(1, 2, 5, 3)], GridSize: 2, HasClassToken: true);
        var perHead = AttentionMaps.PerHead(output);
        Assert.Equal(new long[] { 1, 2, 2, 2 }, perHead.shape);
        Assert.Equal(1f, perHead[0, 1, 1, 0].item<float>());
        Assert.Equal(1f, AttentionMaps.MeanOverHeads(output).sum().item<float>());
    }

    [Fact]
    public void Rollout_of_uniform_attention_is_uniform_and_of_identity_is_identity()
    {
        using var scope = NewDisposeScope();
        var uniform = full(1, 3, 5, 5, 0.2f);
        using (var output = new AttentionOutput(zeros(1, 2), [uniform, uniform.clone()], 2, true))
        {
            var rollout = AttentionMaps.RolloutMatrix(output.Attention);
            Assert.True((rollout.sum(-1) - 1).abs().max().item<float>() < 1e-6, "rows sum to one");
            var map = AttentionMaps.Rollout(output);
            Assert.True((map - map[0, 0, 0]).abs().max().item<float>() < 1e-6, "uniform over patches");
        }
        var identity = eye(5).expand(1, 3, 5, 5).contiguous();
        var matrix = AttentionMaps.RolloutMatrix([identity, identity.clone(), identity.clone()]);
        Assert.True((matrix[0] - eye(5)).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void Pooled_models_read_the_rows_through_their_pooling_weights()
    {
        using var scope = NewDisposeScope();
        // No class token: 4 tokens on a 2x2 grid; pooling reads only token 1, which attends only to token 2.
        var weights = zeros(1, 1, 4, 4);
        weights[0, 0, .., 0] = tensor(1f);
        weights[0, 0, 1, 0] = tensor(0f);
        weights[0, 0, 1, 2] = tensor(1f);
        using var output = new AttentionOutput(zeros(1, 2), [weights], 2, HasClassToken: false, PoolWeights: tensor(new[] { 0f, 1f, 0f, 0f }).view(1, 4));
        var map = AttentionMaps.PerHead(output);
        Assert.Equal(1f, map[0, 0, 1, 0].item<float>());
        // Rollout keeps half on the token itself (the residual path): token 1 → 0.5 itself, 0.5 token 2.
        var rollout = AttentionMaps.Rollout(output);
        Assert.Equal(0.5f, rollout[0, 0, 1].item<float>(), 1e-6f);
        Assert.Equal(0.5f, rollout[0, 1, 0].item<float>(), 1e-6f);
    }

    [Fact]
    public void Mass_and_peak_on_object_count_every_patch_the_object_touches()
    {
        using var scope = NewDisposeScope();
        var masks = zeros(2, 4, 4, dtype: ScalarType.Bool);
        masks[0, ..2, ..2] = tensor(true);                 // image 0: the top-left patch, fully
        masks[1, 3, 3] = tensor(true);                     // image 1: one pixel of the bottom-right patch
        var maps = zeros(2, 2, 2);
        maps[.., 0, 0] = tensor(3f);
        maps[.., 1, 1] = tensor(1f);
        var fractions = ObjectMasks.MassOnObject(maps, masks);
        Assert.Equal(0.75, fractions[0], 6);
        Assert.Equal(0.25, fractions[1], 6);
        Assert.Equal(new[] { true, false }, ObjectMasks.PeakOnObject(maps, masks));
        Assert.Equal(1, ObjectMasks.ObjectPatches(masks, 2)[1].sum().item<long>());
        Assert.Throws<ArgumentException>(() => ObjectMasks.PeakOnObject(maps, zeros(3, 4, 4, dtype: ScalarType.Bool)));   // masks of other images
    }

    [Fact]
    public void Bad_inputs_are_explained()
    {
        using var scope = NewDisposeScope();
        using var output = new AttentionOutput(zeros(1, 2), [Focused(1, 1, 5, 0)], 2, true);
        Assert.Contains("layer 3 does not exist", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionMaps.PerHead(output, 3)).Message);
        Assert.Contains("at least one layer", Assert.Throws<ArgumentException>(() => AttentionMaps.RolloutMatrix([])).Message);
        using var pooled = new AttentionOutput(zeros(1, 2), [Focused(1, 1, 4, 0)], 2, HasClassToken: false);
        Assert.Contains("pooling weights", Assert.Throws<ArgumentException>(() => AttentionMaps.PerHead(pooled)).Message);
    }
}
