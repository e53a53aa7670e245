using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Cli.Commands;

/// <summary>
/// The host's work in one optimizer step (clipping, AdamW, zeroing) with the trainer's packed parameters and with
/// TorchSharp's per-tensor AdamW, counted as the tensor handles the step creates (each native operation returning a
/// tensor makes one). The packed count does not grow with the model's tensor count; the per-tensor one does.
/// </summary>
public static class OptimizerStepCost
{
    public sealed record Result(int ParameterTensors, long Packed, long PerTensor);

    public static Result Measure(string model)
    {
        long Count(Func<nn.Module<Tensor, Tensor>, Action> prepare)
        {
            manual_seed(0);
            using var network = TrainStepRounds.CreateModel(model);
            var step = prepare(network);
            using (var scope = NewDisposeScope())
                nn.functional.cross_entropy(network.call(rand(2, 3, 32, 32)), tensor(new long[] { 0, 1 })).backward();
            return VisionLab.Core.TensorHandles.CreatedBy(step);
        }
        static AdamW NewAdamW(nn.Module network) => optim.AdamW(network.parameters(), lr: 3e-4, weight_decay: 0.05);

        MultiTensorAdamW? packed = null;
        AdamW? plain = null;
        try
        {
            long packedCount = Count(network =>
            {
                packed = new MultiTensorAdamW(NewAdamW(network));
                return () =>
                {
                    using var norm = GradientClipping.ClipByTotalNorm(packed.Gradients, 1.0);
                    packed.Step();
                    packed.ZeroGradients();
                };
            });
            int tensors = 0;
            long perTensorCount = Count(network =>
            {
                plain = NewAdamW(network);
                var parameters = network.parameters().ToList();
                tensors = parameters.Count;
                return () =>
                {
                    using var norm = GradientClipping.ClipByTotalNorm(parameters, 1.0);
                    plain.step();
                    plain.zero_grad();
                };
            });
            return new Result(tensors, packedCount, perTensorCount);
        }
        finally
        {
            packed?.Dispose();
            plain?.Dispose();
        }
    }
}
