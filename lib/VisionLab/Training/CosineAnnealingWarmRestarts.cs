using static TorchSharp.torch.optim;

namespace VisionLab.Training;

/// <summary>
/// SGDR (Loshchilov and Hutter, 2017) exactly as PyTorch's CosineAnnealingWarmRestarts computes it:
/// lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2, restarting after T_0, T_0 T_mult, ...
/// epochs. Step once per epoch with <see cref="Step()"/>, or per batch with a fractional epoch
/// (<see cref="Step(double)"/>: epoch + batch / batches). TorchSharp has no such scheduler.
/// </summary>
public sealed class CosineAnnealingWarmRestarts
{
    readonly Optimizer? _optimizer;
    readonly double[] _baseLearningRates;

    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0)
        : this(optimizer.ParamGroups.Select(g => g.InitialLearningRate).ToArray(), t0, tMult, etaMin, optimizer) { }

    /// <summary>A schedule without an optimizer (to plot it, or to drive several).</summary>
    public CosineAnnealingWarmRestarts(double[] baseLearningRates, int t0, int tMult = 1, double etaMin = 0, Optimizer? optimizer = null)
    {
        if (t0 < 1) throw new ArgumentOutOfRangeException(nameof(t0), $"T_0 must be a positive integer, got {t0}.");
        if (tMult < 1) throw new ArgumentOutOfRangeException(nameof(tMult), $"T_mult must be an integer of at least 1, got {tMult}.");
        (_optimizer, _baseLearningRates, T0, TMult, EtaMin) = (optimizer, baseLearningRates, t0, tMult, etaMin);
        Step(0.0);
    }

    public int T0 { get; }
    public int TMult { get; }
    public double EtaMin { get; }
    /// <summary>Epochs since the last restart (fractional when stepped per batch).</summary>
    public double TCur { get; private set; }
    /// <summary>Length of the current cycle in epochs.</summary>
    public double TI { get; private set; }
    public long LastEpoch { get; private set; }
    public IReadOnlyList<double> LearningRates { get; private set; } = [];
    public double LearningRate => LearningRates[0];

    /// <summary>Advances one epoch.</summary>
    public void Step()
    {
        LastEpoch++;
        TCur++;
        if (TCur >= TI)
        {
            TCur -= TI;
            TI *= TMult;
        }
        Apply();
    }

    /// <summary>Jumps to a (fractional) epoch.</summary>
    public void Step(double epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"Expected a non-negative epoch, got {epoch}.");
        if (epoch >= T0)
        {
            if (TMult == 1) TCur = epoch % T0;
            else
            {
                int n = (int)Math.Log(epoch / T0 * (TMult - 1) + 1, TMult);
                TCur = epoch - T0 * (Math.Pow(TMult, n) - 1) / (TMult - 1);
                TI = T0 * Math.Pow(TMult, n);
            }
        }
        else
        {
            TI = T0;
            TCur = epoch;
        }
        LastEpoch = (long)Math.Floor(epoch);
        Apply();
    }

    void Apply()
    {
        LearningRates = _baseLearningRates.Select(b => EtaMin + (b - EtaMin) * (1 + Math.Cos(Math.PI * TCur / TI)) / 2).ToArray();
        if (_optimizer is null) return;
        int i = 0;
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = LearningRates[i++];
    }

    /// <summary>What a checkpoint keeps.</summary>
    public SchedulerState State => new(TCur, TI, LastEpoch);

    public void Restore(SchedulerState state)
    {
        (TCur, TI, LastEpoch) = (state.TCur, state.TI, state.LastEpoch);
        Apply();
    }
}

public sealed record SchedulerState(double TCur, double TI, long LastEpoch);
