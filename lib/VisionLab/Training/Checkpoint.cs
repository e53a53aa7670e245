using VisionLab.Core;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>An unreadable checkpoint: truncated, corrupt, or from another model or recipe.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Core.ActionableException(message, inner);

/// <summary>
/// A training checkpoint: one zip file with the model, the optimizer state, and a JSON record of epoch,
/// schedule, loss scaler, torch RNG and metric history. Written to a temporary file and renamed, so a crash
/// mid-write never replaces a good checkpoint with a bad one.
/// </summary>
public static class Checkpoint
{
    const string ModelEntry = "model.bin", OptimizerEntry = "optimizer.bin", MastersEntry = "master-weights.bin", StateEntry = "state.json";
    public const int FormatVersion = 1;

    /// <summary>Metrics can be NaN or infinite (a diverging run, an epoch without a step): written as "NaN", never a crash.</summary>
    public static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    sealed record State(int Format, int Epoch, SchedulerState Scheduler, GradScalerState Scaler, string TorchRngState,
        List<EpochMetrics> History, string Model, TrainerOptionsRecord Options);

    /// <summary>The options that must match for an exact resume (MixProbability is the supervised objective's; 0 for others, as before).</summary>
    sealed record TrainerOptionsRecord(double LearningRate, double WeightDecay, int RestartPeriod, int RestartMultiplier, int AccumulationSteps, int Seed, double MixProbability, Precision Precision);

    public static void Save(Trainer trainer, string path)
    {
        AtomicFile.Write(path, file =>
        {
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
            {
                using (var stream = zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open())
                using (var writer = new BinaryWriter(stream)) trainer.Model.save(writer);
                using (var stream = zip.CreateEntry(OptimizerEntry, CompressionLevel.NoCompression).Open())
                using (var writer = new BinaryWriter(stream)) trainer.Optimizer.save_state_dict(writer);
                if (trainer.Masters is { } masters)
                    using (var stream = zip.CreateEntry(MastersEntry, CompressionLevel.NoCompression).Open())
                    using (var writer = new BinaryWriter(stream)) masters.Save(writer);
                using var rng = get_rng_state();
                var state = new State(FormatVersion, trainer.Epoch, trainer.Scheduler.State, trainer.Scaler.State,
                    Convert.ToBase64String(rng.data<byte>().ToArray()), trainer.History.ToList(), ModelArchitecture.Describe(trainer.Model), Record(trainer));
                using var json = zip.CreateEntry(StateEntry).Open();
                JsonSerializer.Serialize(json, state, Json);
            }
        });
    }

    public static void Load(Trainer trainer, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        RefuseOtherWeightFormats(path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var state = ReadState(zip, path);
            CheckModel(zip, path, state, trainer.Model);
            if (RecipeDifference(state.Options, Record(trainer)) is { } difference)
                throw new CheckpointException($"{path} was trained with another recipe: {difference}. Resume with the checkpoint's values, or start afresh with --overwrite.");
            using (var reader = new BinaryReader(Open(zip, ModelEntry, path))) trainer.Model.load(reader);
            using (var reader = new BinaryReader(Open(zip, OptimizerEntry, path))) trainer.Optimizer.load_state_dict(reader);
            if (trainer.Masters is { } masters)
                using (var reader = new BinaryReader(Open(zip, MastersEntry, path))) masters.Load(reader);
            trainer.Scheduler.Restore(state.Scheduler);
            trainer.Scaler.Restore(state.Scaler);
            using (var rng = tensor(Convert.FromBase64String(state.TorchRngState), ScalarType.Byte)) set_rng_state(rng);
            trainer.History.Clear();
            trainer.History.AddRange(state.History);
            trainer.Epoch = state.Epoch;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or ArgumentException or IOException and not FileNotFoundException)
        {
            throw new CheckpointException($"{path} is truncated or corrupt ({e.Message}). Use an earlier checkpoint or start again.", e);
        }
    }

    /// <summary>Final weights given where a checkpoint belongs (train --resume model.bin) are named as what they are.</summary>
    static void RefuseOtherWeightFormats(string path)
    {
        Deploy.WeightFormat format;
        try { format = Deploy.WeightFiles.Identify(path); }
        catch (Deploy.WeightFileException) { return; }   // damaged: the load below says how
        if (format is Deploy.WeightFormat.Checkpoint) return;
        throw new CheckpointException($"{path} holds {format} weights, not a training checkpoint: resuming needs the optimiser and schedule too. " +
                                      "Give the checkpoint.ckpt that train writes after each epoch (evaluate, export and predict take final weights).");
    }

    /// <summary>The options that differ, named as the command line names them; null when none does.</summary>
    static string? RecipeDifference(TrainerOptionsRecord saved, TrainerOptionsRecord now)
    {
        var differences = new List<string>();
        void Compare<T>(string option, T was, T @is)
        {
            if (!EqualityComparer<T>.Default.Equals(was, @is))
                differences.Add(FormattableString.Invariant($"{option} {was} in the checkpoint, {@is} now"));
        }
        Compare("--lr", saved.LearningRate, now.LearningRate);
        Compare("weight decay", saved.WeightDecay, now.WeightDecay);
        Compare("--restart-period", saved.RestartPeriod, now.RestartPeriod);
        Compare("restart multiplier", saved.RestartMultiplier, now.RestartMultiplier);
        Compare("--accumulation", saved.AccumulationSteps, now.AccumulationSteps);
        Compare("--seed", saved.Seed, now.Seed);
        Compare("--mixup", saved.MixProbability, now.MixProbability);
        Compare("--precision", saved.Precision, now.Precision);
        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    static State ReadState(ZipArchive zip, string path)
    {
        var state = JsonSerializer.Deserialize<State>(Open(zip, StateEntry, path), Json) ?? throw new CheckpointException($"{path}: empty state record.");
        if (state.Format != FormatVersion) throw new CheckpointException($"{path}: checkpoint format {state.Format}, this library reads {FormatVersion}.");
        return state;
    }

    /// <summary>The recorded architecture and every tensor's name and shape must be the model's, before anything is loaded.</summary>
    static void CheckModel(ZipArchive zip, string path, State state, nn.Module model)
    {
        if (!ModelArchitecture.Fits(state.Model, model))
            throw new CheckpointException($"{path} holds a {state.Model}, not a {ModelArchitecture.Describe(model)}: choose the --model it was trained with.");
        var signature = Deploy.TorchSharpWeightsFile.ReadSignature(Open(zip, ModelEntry, path), path);
        try { Deploy.WeightFiles.CheckFits(model, path, signature); }
        catch (Deploy.WeightFileException e) { throw new CheckpointException(e.Message, e); }
    }

    /// <summary>Loads only the model weights of a checkpoint (to evaluate or deploy it).</summary>
    public static void LoadModel(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            CheckModel(zip, path, ReadState(zip, path), module);
            using var reader = new BinaryReader(Open(zip, ModelEntry, path));
            module.load(reader);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or ArgumentException or IOException and not FileNotFoundException)
        {
            throw new CheckpointException($"{path} is truncated, corrupt or holds another model ({e.Message}).", e);
        }
    }

    static Stream Open(ZipArchive zip, string entry, string path)
    {
        var found = zip.GetEntry(entry) ?? throw new CheckpointException($"{path} has no {entry}: not a VisionLab checkpoint, or truncated.");
        // Read fully, so a truncated entry fails here (CRC check) rather than half-way through a load.
        var memory = new MemoryStream();
        using (var stream = found.Open()) stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    static TrainerOptionsRecord Record(Trainer trainer)
    {
        var o = trainer.Options;
        return new(o.LearningRate, o.WeightDecay, o.RestartPeriod, o.RestartMultiplier, o.AccumulationSteps, o.Seed,
            (trainer.Objective as SupervisedObjective)?.MixProbability ?? 0, o.Precision);
    }
}
