namespace VisionLab.Training;

/// <summary>Numeric precision of training.</summary>
public enum Precision
{
    /// <summary>fp16 with loss scaling on CUDA, fp32 on the CPU.</summary>
    Auto,
    Float32,
    /// <summary>fp16 with dynamic loss scaling (CUDA only).</summary>
    Float16,
    /// <summary>bfloat16, no loss scaling needed (CUDA only).</summary>
    BFloat16,
}

/// <summary>When the learning-rate schedule advances.</summary>
public enum ScheduleStepping { PerEpoch, PerBatch }

/// <summary>
/// The training loop's recipe, with the guide's defaults: optimiser, schedule, precision, clipping, accumulation, seed.
/// What the loss is (label smoothing, MixUp) belongs to the objective (<see cref="SupervisedObjective"/>).
/// </summary>
public sealed record TrainerOptions
{
    public double LearningRate { get; init; } = 3e-4;
    public double WeightDecay { get; init; } = 0.05;
    /// <summary>Leave batch-norm weights and all biases out of weight decay (common practice; the guide decays everything).</summary>
    public bool ExemptNormAndBiasFromDecay { get; init; }
    public int RestartPeriod { get; init; } = 10;       // T_0
    public int RestartMultiplier { get; init; } = 2;    // T_mult
    public double MinimumLearningRate { get; init; }    // eta_min
    public ScheduleStepping ScheduleStepping { get; init; } = ScheduleStepping.PerBatch;
    public Precision Precision { get; init; } = Precision.Auto;
    /// <summary>Lets Float16/BFloat16 run on the CPU (slow; for tests of the mixed-precision path without a GPU).</summary>
    public bool AllowReducedPrecisionOnCpu { get; init; }
    /// <summary>Global gradient-norm limit (the guide: 1.0); null computes the norm without clipping.</summary>
    public double? MaxGradientNorm { get; init; } = 1.0;
    /// <summary>Batches whose gradients are summed before one optimiser step.</summary>
    public int AccumulationSteps { get; init; } = 1;
    /// <summary>
    /// Steps whose metrics (loss, accuracy, gradient norm) are read back from the device together, in one
    /// synchronisation; the first step of each epoch and the last are read at once. Progress displays update at this
    /// rate. A step itself never waits for the device (fp16's overflow check excepted).
    /// </summary>
    public int MetricsInterval { get; init; } = 16;
    public int Seed { get; init; }

    public void Validate()
    {
        if (LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), "The learning rate must be positive.");
        if (AccumulationSteps < 1) throw new ArgumentOutOfRangeException(nameof(AccumulationSteps), "Accumulate over at least one batch.");
        if (MetricsInterval < 1) throw new ArgumentOutOfRangeException(nameof(MetricsInterval), "Read metrics back at least every step (1).");
    }
}
