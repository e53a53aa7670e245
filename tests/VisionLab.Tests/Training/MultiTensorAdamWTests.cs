using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Core;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Tests.Training;

/// <summary>Issue 17: AdamW, clipping and zeroing on packed parameters: the same arithmetic, a constant amount of work.</summary>
public sealed class MultiTensorAdamWTests
{
    /// <summary>A stack of small linear layers: 2 parameter tensors per layer, the same arithmetic at any depth.</summary>
    static nn.Module<Tensor, Tensor> Stack(int layers, long seed)
    {
        manual_seed(seed);
        var modules = Enumerable.Range(0, layers).Select(_ => (nn.Module<Tensor, Tensor>)nn.Linear(6, 6)).ToArray();
        var model = nn.Sequential(modules);
        TensorCountCorrection.ForgetParameterDuplicates(model);
        return model;
    }

    /// <summary>The trainer's grouping: weights decay, biases do not.</summary>
    static AdamW NewAdamW(nn.Module model) => optim.AdamW(new[]
    {
        new AdamW.ParamGroup(model.parameters().Where(p => p.dim() > 1), lr: 1e-2, weight_decay: 0.05),
        new AdamW.ParamGroup(model.parameters().Where(p => p.dim() <= 1), lr: 1e-2, weight_decay: 0),
    }, lr: 1e-2);

    static void Backward(nn.Module<Tensor, Tensor> model, int step)
    {
        using var scope = NewDisposeScope();
        var input = rand(new long[] { 8, 6 }, generator: new Generator((ulong)step + 100));
        model.call(input).pow(2).sum().backward();
    }

    static float[] Values(nn.Module model) => model.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void Updates_the_weights_as_TorchSharps_AdamW_does()
    {
        var reference = Stack(3, seed: 5);
        var packed = Stack(3, seed: 5);
        using var plain = NewAdamW(reference);
        using var multi = new MultiTensorAdamW(NewAdamW(packed));
        for (int step = 0; step < 5; step++)
        {
            Backward(reference, step);
            Backward(packed, step);
            plain.step();
            plain.zero_grad();
            multi.Step();
            multi.ZeroGradients();
        }
        var (expected, actual) = (Values(reference), Values(packed));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * Math.Max(1f, Math.Abs(expected[i])), $"value {i}: {actual[i]} packed, {expected[i]} per tensor");
        Assert.NotEqual(Values(Stack(3, seed: 5)), actual);   // the weights did move
    }

    [Fact]
    public void A_group_larger_than_one_chunk_is_updated_as_TorchSharps_AdamW_does()
    {
        // 1100 x 1100 weights: 1.21 M elements, so the decay group's buffers split into two chunks
        // (FlatParameterGroup.ChunkElements = 1 Mi), the second of 161,424 elements.
        static nn.Module<Tensor, Tensor> Wide()
        {
            manual_seed(11);
            var model = nn.Sequential(nn.Linear(1100, 1100));
            TensorCountCorrection.ForgetParameterDuplicates(model);
            return model;
        }
        static void WideBackward(nn.Module<Tensor, Tensor> model, int step)
        {
            using var scope = NewDisposeScope();
            model.call(rand(new long[] { 4, 1100 }, generator: new Generator((ulong)step + 200))).pow(2).mean().backward();
        }
        var (reference, packed) = (Wide(), Wide());
        using var plain = NewAdamW(reference);
        using var multi = new MultiTensorAdamW(NewAdamW(packed));
        Assert.True(multi.Groups[0].ElementCount > FlatParameterGroup.ChunkElements);
        for (int step = 0; step < 3; step++)
        {
            WideBackward(reference, step);
            WideBackward(packed, step);
            plain.step();
            plain.zero_grad();
            multi.Step();
            multi.ZeroGradients();
        }
        var (expected, actual) = (Values(reference), Values(packed));
        int mismatches = Enumerable.Range(0, expected.Length).Count(i => Math.Abs(expected[i] - actual[i]) > 1e-6f * Math.Max(1f, Math.Abs(expected[i])));
        Assert.Equal(0, mismatches);
        Assert.NotEqual(Values(Wide()), actual);   // the weights did move
    }

    [Fact]
    public void A_step_does_the_same_work_for_4_or_40_parameter_tensors()
    {
        long Packed(int layers)
        {
            var model = Stack(layers, seed: 1);
            using var multi = new MultiTensorAdamW(NewAdamW(model));
            Backward(model, 0);
            return TensorHandles.CreatedBy(() =>
            {
                using var norm = GradientClipping.ClipByTotalNorm(multi.Gradients, 1.0);
                multi.Step();
                multi.ZeroGradients();
            });
        }
        long PerTensor(int layers)
        {
            var model = Stack(layers, seed: 1);
            using var plain = NewAdamW(model);
            Backward(model, 0);
            return TensorHandles.CreatedBy(() =>
            {
                using var norm = GradientClipping.ClipByTotalNorm(model.parameters().ToList(), 1.0);
                plain.step();
                plain.zero_grad();
            });
        }
        var (packed4, packed40) = (Packed(2), Packed(20));
        var (perTensor4, perTensor40) = (PerTensor(2), PerTensor(20));
        // The measure sees per-tensor work (the control grows with the model), and the packed step has none.
        Assert.True(perTensor40 >= perTensor4 + 36, $"per-tensor AdamW: {perTensor4} handles for 4 tensors, {perTensor40} for 40");
        Assert.Equal(packed4, packed40);
        Assert.True(packed4 < perTensor4, $"packed {packed4}, per tensor {perTensor4}");
    }

    [Fact]
    public void Packing_keeps_the_module_its_values_and_its_gradients()
    {
        var model = Stack(2, seed: 3);
        using var input = rand(4, 6);
        using var before = model.call(input).detach();
        var names = model.state_dict().Keys.ToList();
        Backward(model, 1);
        var gradients = model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray();
        using var multi = new MultiTensorAdamW(NewAdamW(model));
        using (var after = model.call(input)) Assert.True(after.equal(before).all().item<bool>());
        Assert.Equal(names, model.state_dict().Keys.ToList());
        Assert.Equal(gradients, model.parameters().SelectMany(p => p.grad!.data<float>().ToArray()).ToArray());
        Assert.Equal(gradients.Order(), multi.Gradients.SelectMany(g => g.data<float>().ToArray()).Order());
        // The parameters are views of the flat buffers: a step on the buffers moves the module's weights.
        multi.Step();
        using (var moved = model.call(input)) Assert.False(moved.equal(before).all().item<bool>());
        // Gradients accumulate into the flat buffer and are cleared there.
        multi.ZeroGradients();
        Backward(model, 2);
        Assert.True(multi.Gradients.All(g => g.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void Optimizer_state_is_saved_and_loaded_in_TorchSharps_format()
    {
        // Written by the packed optimizer, read by TorchSharp's, and the other way round: checkpoints from before load.
        var packedModel = Stack(2, seed: 7);
        using var packed = new MultiTensorAdamW(NewAdamW(packedModel));
        for (int step = 0; step < 3; step++)
        {
            Backward(packedModel, step);
            packed.Step();
            packed.ZeroGradients();
        }
        using var stream = new MemoryStream();
        packed.Optimizer.save_state_dict(new BinaryWriter(stream));

        var plainModel = Stack(2, seed: 7);
        using var plain = NewAdamW(plainModel);
        stream.Position = 0;
        plain.load_state_dict(new BinaryReader(stream));
        var states = plain.state_dict().State.Cast<AdamW.State>().ToList();
        var packedStates = packed.Optimizer.state_dict().State.Cast<AdamW.State>().ToList();
        Assert.All(states.Zip(packedStates), pair =>
        {
            Assert.Equal(3, pair.First.step);
            Assert.True(pair.First.exp_avg.equal(pair.Second.exp_avg).all().item<bool>());
            Assert.True(pair.First.exp_avg_sq.equal(pair.Second.exp_avg_sq).all().item<bool>());
        });

        // A fresh packed optimizer loads that state into its flat moments and continues as TorchSharp's does.
        var resumedModel = Stack(2, seed: 7);
        using (no_grad())
            foreach (var (target, source) in resumedModel.parameters().Zip(packedModel.parameters())) target.copy_(source);
        using (no_grad())
            foreach (var (target, source) in plainModel.parameters().Zip(packedModel.parameters())) target.copy_(source);
        using var resumed = new MultiTensorAdamW(NewAdamW(resumedModel));
        stream.Position = 0;
        resumed.Optimizer.load_state_dict(new BinaryReader(stream));
        Backward(resumedModel, 9);
        Backward(plainModel, 9);
        resumed.Step();
        plain.step();
        var (expected, actual) = (Values(plainModel), Values(resumedModel));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * Math.Max(1f, Math.Abs(expected[i])), $"value {i}: {actual[i]} resumed packed, {expected[i]} TorchSharp");
    }
}
