using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// AdamW's step on packed parameters: the arithmetic of TorchSharp's (and PyTorch's single-tensor) AdamW, applied to
/// each parameter group's flat buffers at once: a handful of operations per group and per 1 Mi elements, however many
/// tensors the model has, where a per-tensor loop issues 9 per tensor (ModernCNN has 62). The host then keeps up with
/// a GPU, as PyTorch's <c>foreach=True</c> path does.
/// </summary>
/// <remarks>
/// It wraps TorchSharp's <see cref="AdamW"/>, which keeps the options, the learning rates the schedule sets and the
/// checkpoint format: its per-parameter moments become views of this class's flat moments, so
/// <c>save_state_dict</c>/<c>load_state_dict</c> write and read what they always did (checkpoints from before load).
/// Every trainable parameter takes part in each step (an unused one gets a zero gradient and still decays, where
/// the per-tensor loop would skip it); the library's models use all of theirs. Frozen parameters are left out.
/// </remarks>
public sealed class MultiTensorAdamW : IDisposable
{
    readonly List<PackedGroup> _groups = new();

    sealed record PackedGroup(AdamW.ParamGroup Options, FlatParameterGroup Flat, Tensor ExpAvg, Tensor ExpAvgSq, AdamW.State[] States);

    public MultiTensorAdamW(AdamW optimizer)
    {
        Optimizer = optimizer;
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToList();
        int stateIndex = 0;
        foreach (var group in optimizer.ParamGroups.Cast<AdamW.ParamGroup>())
        {
            var options = group.Options;
            if (options.amsgrad == true || options.maximize == true)
                throw new NotSupportedException("The multi-tensor AdamW implements the guide's AdamW (no amsgrad, no maximize).");
            var all = group.Parameters.ToList();
            var groupStates = states.Skip(stateIndex).Take(all.Count).ToList();
            stateIndex += all.Count;
            var trainable = Enumerable.Range(0, all.Count).Where(i => all[i].requires_grad).ToList();
            if (trainable.Count == 0) continue;
            var flat = new FlatParameterGroup(trainable.Select(i => all[i]).ToList());
            var (expAvg, expAvgViews) = flat.NewBuffer();
            var (expAvgSq, expAvgSqViews) = flat.NewBuffer();
            var packedStates = trainable.Select(i => groupStates[i]).ToArray();
            using (no_grad())
                for (int j = 0; j < packedStates.Length; j++)
                {
                    // Keep what the states hold (zeros when new) and let them point into the flat moments.
                    expAvgViews[j].copy_(packedStates[j].exp_avg);
                    expAvgSqViews[j].copy_(packedStates[j].exp_avg_sq);
                    packedStates[j].exp_avg.Dispose();
                    packedStates[j].exp_avg_sq.Dispose();
                    (packedStates[j].exp_avg, packedStates[j].exp_avg_sq) = (expAvgViews[j], expAvgSqViews[j]);
                }
            if (packedStates.Select(s => s.step).Distinct().Count() > 1)
                throw new InvalidOperationException("The parameters of one group have taken different numbers of steps; they cannot be packed.");
            _groups.Add(new PackedGroup(group, flat, expAvg, expAvgSq, packedStates));
        }
    }

    /// <summary>TorchSharp's optimizer behind this one: param groups, learning rates, checkpoint state.</summary>
    public AdamW Optimizer { get; }

    /// <summary>The packed groups (parameters and gradients as flat buffers), for clipping and precision copies.</summary>
    public IReadOnlyList<FlatParameterGroup> Groups => _groups.Select(g => g.Flat).ToList();

    /// <summary>Each group's flat gradient buffer.</summary>
    public IReadOnlyList<Tensor> Gradients => _groups.Select(g => g.Flat.Gradients).ToList();

    /// <summary>One AdamW update of every packed parameter (decoupled weight decay, bias-corrected moments).</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var group in _groups)
        {
            var o = group.Options.Options;
            double lr = o.LearningRate!.Value, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value;
            long step = group.States[0].step + 1;
            foreach (var state in group.States) state.step = step;
            double biasCorrection1 = 1 - Math.Pow(beta1, step), biasCorrection2 = 1 - Math.Pow(beta2, step);
            // Scalars held for the whole step: TorchSharp 0.107 lets an implicit one be freed during the native call
            // (docs/reliability.md, Known problems).
            using Scalar decay = 1 - lr * o.weight_decay!.Value, b1 = beta1, oneMinusB1 = 1 - beta1, b2 = beta2, oneMinusB2 = 1 - beta2,
                rootBc2 = Math.Sqrt(biasCorrection2), eps = o.eps!.Value, stepSize = -lr / biasCorrection1;
            var (values, grads) = (group.Flat.Values, group.Flat.Gradients);
            values.mul_(decay);
            group.ExpAvg.mul_(b1).add_(grads, oneMinusB1);
            group.ExpAvgSq.mul_(b2).addcmul_(grads, grads, oneMinusB2);
            // The denominator is the one temporary: made per chunk, it is a reused 4 MiB heap block instead of a fresh
            // copy of every parameter at each step (FlatParameterGroup.ChunkElements).
            var chunks = FlatParameterGroup.Chunks(values).Zip(FlatParameterGroup.Chunks(group.ExpAvg), FlatParameterGroup.Chunks(group.ExpAvgSq));
            foreach (var (value, expAvg, expAvgSq) in chunks)
            {
                using var denominator = expAvgSq.sqrt().div_(rootBc2).add_(eps);
                value.addcdiv_(expAvg, denominator, stepSize);
            }
        }
    }

    public void ZeroGradients()
    {
        foreach (var group in _groups) group.Flat.ZeroGradients();
    }

    public void Dispose()
    {
        foreach (var group in _groups)
        {
            group.ExpAvg.Dispose();
            group.ExpAvgSq.Dispose();
            group.Flat.Dispose();
        }
        Optimizer.Dispose();
    }
}
