using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Augmentation;
using VisionLab.Core;
using VisionLab.Data;
using static TorchSharp.torch;
using DataLoader = VisionLab.Data.DataLoader;

namespace VisionLab.Training;

/// <summary>
/// The guide's VisionModelTrainer, done right: AdamW, warm-restart cosine schedule, label smoothing, MixUp
/// decided per batch (never reusing an earlier batch's targets), loss scaling only where fp16 runs, gradient
/// clipping after unscaling, gradient accumulation, metrics and callbacks, and exact-resume checkpoints.
/// The loop stays short; everything optional is a <see cref="TrainingCallback"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly List<Parameter> _parameters;
    readonly MasterWeights? _masters;

    /// <param name="objective">The loss and its settings (the trainer owns and disposes it); null: the guide's classification loss with its
    /// label smoothing and MixUp (<see cref="SupervisedObjective"/>'s defaults).</param>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainerOptions? options = null, Device? device = null, ITrainingObjective? objective = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
        NativeHeap.Configure();   // CPU steps ~1.5x faster (no page faults on activations); idempotent, see NativeHeap
        Device = device ?? TorchEnvironment.DefaultDevice;
        Model = model;
        TensorCountCorrection.ForgetParameterDuplicates(Model);
        Model.to(Device);
        TensorCountCorrection.ForgetParameterDuplicates(Model); // in case moving replaced Parameter objects
        Precision = ResolvePrecision(Options.Precision, Device, Options.AllowReducedPrecisionOnCpu);
        if (Precision is Precision.Float16 or Precision.BFloat16)
            _masters = new MasterWeights(Model, Precision == Precision.Float16 ? ScalarType.Float16 : ScalarType.BFloat16);
        _parameters = _masters?.Masters ?? Model.parameters().ToList();
        _step = new MultiTensorAdamW(CreateOptimizer());   // packs the parameters: a few kernels per step, not several per tensor
        _masters?.Pack(_step.Groups);
        Scheduler = new CosineAnnealingWarmRestarts(Optimizer, Options.RestartPeriod, Options.RestartMultiplier, Options.MinimumLearningRate);
        Scaler = new GradScaler(enabled: Precision == Precision.Float16);
        Objective = objective ?? new SupervisedObjective();
    }

    public nn.Module<Tensor, Tensor> Model { get; }
    /// <summary>What the trainer minimises, with its own settings.</summary>
    public ITrainingObjective Objective { get; }
    public TrainerOptions Options { get; }
    public Device Device { get; }
    /// <summary>TorchSharp's AdamW: its param groups hold the options and learning rates; its state is what checkpoints save.</summary>
    public AdamW Optimizer => _step.Optimizer;
    readonly MultiTensorAdamW _step;
    public CosineAnnealingWarmRestarts Scheduler { get; }
    public GradScaler Scaler { get; }
    /// <summary>The precision this run uses, after resolving Auto for the device.</summary>
    public Precision Precision { get; }
    public List<TrainingCallback> Callbacks { get; } = new();
    public List<EpochMetrics> History { get; } = new();
    /// <summary>Completed epochs (the next epoch's number).</summary>
    public int Epoch { get; internal set; }
    public bool StopRequested { get; set; }

    /// <summary>Why training runs in <see cref="Precision"/> here, in a sentence for the notebook.</summary>
    public string PrecisionNote => Precision switch
    {
        Precision.Float32 when Device.type != DeviceType.CUDA => "fp32: mixed precision needs CUDA; on the CPU this trainer runs fp32 (the guide's GradScaler/autocast are CUDA APIs).",
        Precision.Float32 => "fp32 as requested.",
        Precision.Float16 => "fp16 compute with fp32 master weights and dynamic loss scaling.",
        _ => "bf16 compute with fp32 master weights (no loss scaling needed: bf16 has fp32's range).",
    };

    /// <summary>Auto: fp16 on CUDA, fp32 on the CPU. Reduced precision on the CPU only when explicitly allowed (tests).</summary>
    static Precision ResolvePrecision(Precision requested, Device device, bool allowOnCpu) => requested switch
    {
        Precision.Auto => device.type == DeviceType.CUDA ? Precision.Float16 : Precision.Float32,
        Precision.Float32 => Precision.Float32,
        _ when device.type == DeviceType.CUDA || allowOnCpu => requested,
        _ => throw new NotSupportedException($"{requested} training needs a CUDA device; this run is on {device}. Use Precision.Auto or Float32."),
    };

    AdamW CreateOptimizer()
    {
        if (!Options.ExemptNormAndBiasFromDecay)
            return optim.AdamW(_parameters, lr: Options.LearningRate, weight_decay: Options.WeightDecay);
        // Batch-norm/layer-norm weights and biases are 1-D: decaying them only shrinks scales and offsets.
        var decayed = _parameters.Where(p => p.dim() > 1).ToList();
        var exempt = _parameters.Where(p => p.dim() <= 1).ToList();
        return optim.AdamW(new[]
        {
            new AdamW.ParamGroup(decayed, lr: Options.LearningRate, weight_decay: Options.WeightDecay),
            new AdamW.ParamGroup(exempt, lr: Options.LearningRate, weight_decay: 0),
        }, lr: Options.LearningRate);
    }

    /// <summary>Trains for <paramref name="epochs"/> more epochs (fewer if a callback stops it), validating after each.</summary>
    public IReadOnlyList<EpochMetrics> Fit(DataLoader train, DataLoader? validation, int epochs, CancellationToken cancellationToken = default)
    {
        StopRequested = false;
        Callbacks.ForEach(c => c.OnFitStart(this, epochs));
        int last = Epoch + epochs;
        while (Epoch < last && !StopRequested)
        {
            var metrics = TrainEpoch(train, cancellationToken);
            ThrowIfWeightsAreNotFinite();
            if (validation is not null)
            {
                var evaluation = Evaluate(validation, cancellationToken);
                metrics = metrics with { ValidationLoss = evaluation.Loss, ValidationAccuracy = evaluation.Accuracy };
            }
            // Measurements first (a kNN monitor's validation accuracy, retained memory), then everyone sees the final record.
            foreach (var callback in Callbacks) metrics = callback.OnEpochMeasured(this, metrics);
            History.Add(metrics);
            Epoch++;
            foreach (var callback in Callbacks) callback.OnEpochEnd(this, metrics);
        }
        Callbacks.ForEach(c => c.OnFitEnd(this));
        return History;
    }

    void ThrowIfWeightsAreNotFinite()
    {
        using var scope = NewDisposeScope();
        var broken = Model.named_parameters().FirstOrDefault(p => !p.parameter.isfinite().all().item<bool>());
        if (broken.name is not null)
            throw new TrainingDivergedException($"Training diverged in epoch {Epoch + 1}: {broken.name} holds values that are not finite. " +
                "Nothing from this epoch was saved; the last checkpoint is kept. Lower the learning rate (the guide's is 3e-4) or keep gradient clipping on.");
    }

    /// <summary>One pass over the training data.</summary>
    /// <remarks>
    /// A step issues its work and goes on: loss, accuracy and gradient norm stay on the device and are read back every
    /// <see cref="TrainerOptions.MetricsInterval"/> steps in one transfer (<see cref="HostReads"/> counts them), where
    /// the callbacks then see each step. A non-finite loss is found there and stops training as divergence.
    /// </remarks>
    public EpochMetrics TrainEpoch(DataLoader loader, CancellationToken cancellationToken = default)
    {
        int epoch = Epoch, batches = loader.BatchCount, accumulation = Options.AccumulationSteps;
        Callbacks.ForEach(c => c.OnEpochStart(this, epoch, batches));
        Model.train();
        _step.ZeroGradients();
        var clock = Stopwatch.StartNew();
        var totals = new EpochTotals();
        var pending = new List<PendingStep>();
        var sinceRead = Stopwatch.StartNew();
        int batchIndex = 0;
        bool trimHeap = Device.type == DeviceType.CPU && NativeHeap.Tuned;   // on CUDA, or with glibc's own trimming, no /proc read per step
        try
        {
            foreach (var batch in loader.Epoch(epoch, Device, cancellationToken))
            {
                using var owned = batch;
                using var scope = NewDisposeScope();
                var (inputs, targets) = (batch.Images, batch.Labels);
                // Anything random in the objective (mixing) is drawn per batch from (seed, epoch, batch).
                var random = Seeds.ForBatch(Options.Seed, epoch, batchIndex);
                Tensor loss, batchCorrect;
                bool mixed;
                using (var forward = NewDisposeScope())
                {
                    (loss, batchCorrect, mixed) = Objective.Compute(Forward, inputs, targets, random);
                    loss.MoveToOuterDisposeScope();
                    batchCorrect.MoveToOuterDisposeScope();
                }
                // The forward pass's intermediates are freed here, except what autograd saved for the backward pass, which
                // frees those as it goes (PyTorch's memory profile); held to the step's end, they outlived backward and AdamW.
                Scaler.ScaleLoss(loss / accumulation).backward();

                bool stepNow = (batchIndex + 1) % accumulation == 0 || batchIndex + 1 == batches;
                Tensor? norm = null;
                bool skipped = false;
                if (stepNow)
                {
                    _masters?.GradientsToMasters();
                    if (Scaler.Unscale(_step.Gradients)) HostReads++;   // fp16 only: the overflow check decides the step
                    norm = GradientClipping.ClipByTotalNorm(_step.Gradients, Options.MaxGradientNorm);
                    skipped = !Scaler.Step(_step.Step);
                    if (!skipped) _masters?.MastersToModel();
                    Scaler.Update();
                    _step.ZeroGradients();
                    if (Options.ScheduleStepping == ScheduleStepping.PerBatch) Scheduler.Step(epoch + (batchIndex + 1.0) / batches);
                }
                pending.Add(new PendingStep(batchIndex, batch.Count, loss.detach().MoveToOuterDisposeScope(), batchCorrect.detach().MoveToOuterDisposeScope(),
                    norm?.MoveToOuterDisposeScope(), Scheduler.LearningRate, mixed, skipped));
                if (batchIndex == 0 || batchIndex + 1 == batches || pending.Count >= Options.MetricsInterval)
                    ReadBack(pending, totals, epoch, batches, sinceRead);
                batchIndex++;
                if (trimHeap) NativeHeap.TrimAfterStep();
            }
            ReadBack(pending, totals, epoch, batches, sinceRead);
        }
        finally
        {
            foreach (var step in pending) step.Dispose();
        }
        if (Options.ScheduleStepping == ScheduleStepping.PerEpoch) Scheduler.Step();
        return new EpochMetrics(epoch, totals.Loss / totals.Seen, totals.Correct / totals.Seen, Scheduler.LearningRate, totals.Steps == 0 ? double.NaN : totals.Norm / totals.Steps,
            totals.Seen / clock.Elapsed.TotalSeconds, clock.Elapsed, ProcessMemoryBytes: Environment.WorkingSet);
    }

    /// <summary>Device-to-host transfers the trainer made while training (each one a synchronisation on CUDA).</summary>
    public long HostReads { get; private set; }

    sealed record PendingStep(int Batch, int Count, Tensor Loss, Tensor Correct, Tensor? Norm, double LearningRate, bool Mixed, bool Skipped) : IDisposable
    {
        public void Dispose()
        {
            Loss.Dispose();
            Correct.Dispose();
            Norm?.Dispose();
        }
    }

    sealed class EpochTotals
    {
        public double Loss, Correct, Norm;
        public int Seen, Steps;
    }

    /// <summary>Reads the pending steps' metrics in one transfer, checks them, adds them up and tells the callbacks.</summary>
    void ReadBack(List<PendingStep> pending, EpochTotals totals, int epoch, int batches, Stopwatch sinceRead)
    {
        if (pending.Count == 0) return;
        double[] values;
        using (var scope = NewDisposeScope())
        {
            var nan = tensor(double.NaN, device: Device);
            var all = stack(pending.SelectMany(p => new[] { p.Loss, p.Correct, p.Norm ?? nan }.Select(t => t.to(ScalarType.Float64))).ToArray());
            values = all.cpu().data<double>().ToArray();
            HostReads++;
        }
        double imagesPerSecond = pending.Sum(p => p.Count) / Math.Max(sinceRead.Elapsed.TotalSeconds, 1e-9);
        sinceRead.Restart();
        var steps = pending.ToList();
        pending.Clear();
        try
        {
            for (int i = 0; i < steps.Count; i++)
            {
                var p = steps[i];
                double loss = values[3 * i], correct = values[3 * i + 1], norm = values[3 * i + 2];
                // fp16 with loss scaling skips steps whose gradients overflowed; anything else non-finite is divergence.
                if (!double.IsFinite(loss) && !(Scaler.Enabled && p.Skipped))
                    throw new TrainingDivergedException(FormattableString.Invariant(
                        $"Training diverged in epoch {epoch + 1}, batch {p.Batch + 1} of {batches}: the loss is {loss} at learning rate {p.LearningRate:G3}. ") +
                        "Nothing from this epoch was saved; the last checkpoint is kept. Lower the learning rate (the guide's is 3e-4) or keep gradient clipping on.");
                totals.Loss += loss * p.Count;
                totals.Correct += correct;
                totals.Seen += p.Count;
                if (p.Norm is not null)
                {
                    totals.Norm += norm;
                    totals.Steps++;
                }
                var step = new StepMetrics(epoch, p.Batch, batches, loss, correct / p.Count, p.LearningRate, p.Norm is null ? double.NaN : norm,
                    imagesPerSecond, p.Mixed, p.Skipped);
                Callbacks.ForEach(c => c.OnBatchEnd(this, step));
            }
        }
        finally
        {
            foreach (var step in steps) step.Dispose();
        }
    }

    /// <summary>The model at the trainer's precision: inputs cast to the compute type, outputs back in fp32 for the loss.</summary>
    Tensor Forward(Tensor inputs)
    {
        if (_masters is null) return Model.call(inputs);
        return Model.call(inputs.to(_masters.ComputeType)).to(ScalarType.Float32); // the batch's dispose scope frees the fp16 copy
    }

    /// <summary>Loss (without label smoothing) and accuracy on a labelled set, with every prediction. Leaves the model in eval mode.</summary>
    public EvaluationResult Evaluate(DataLoader loader, CancellationToken cancellationToken = default)
    {
        Model.eval();
        double lossSum = 0;
        var predictions = new List<int>();
        var labels = new List<int>();
        var indices = new List<int>();
        long classes = 0;
        EvaluationPass.Run(loader, Model, Device, batch =>
        {
            var outputs = Forward(batch.Images);
            classes = outputs.shape[1];
            lossSum += nn.functional.cross_entropy(outputs, batch.Labels, reduction: nn.Reduction.Sum).item<float>();
            predictions.AddRange(outputs.argmax(1).cpu().data<long>().ToArray().Select(p => (int)p));
            // .cpu(): on CUDA the batch arrives there, and data<T>() reads host memory only.
            labels.AddRange(batch.Labels.cpu().data<long>().ToArray().Select(l => (int)l));
            indices.AddRange(batch.Indices);
        }, cancellationToken);
        int correct = predictions.Zip(labels).Count(p => p.First == p.Second);
        return new EvaluationResult(lossSum / labels.Count, (double)correct / labels.Count, predictions.ToArray(), labels.ToArray(), indices.ToArray(), (int)classes);
    }

    public void SaveCheckpoint(string path) => Checkpoint.Save(this, path);

    /// <summary>Restores model, optimizer, schedule, scaler, epoch, RNG and history from a checkpoint of the same recipe.</summary>
    public void LoadCheckpoint(string path) => Checkpoint.Load(this, path);

    /// <summary>The fp32 master weights in mixed precision, else null.</summary>
    public MasterWeights? Masters => _masters;

    public void Dispose()
    {
        Objective.Dispose();
        _step.Dispose();
        _masters?.Dispose();
    }
}
