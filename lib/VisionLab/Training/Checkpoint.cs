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
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var file = File.Create(temporary))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
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
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static void Load(Trainer trainer, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var state = ReadState(zip, path);
            CheckModel(zip, path, state, trainer.Model);
            if (state.Options != Record(trainer))
                throw new CheckpointException($"{path} was written with a different recipe ({state.Options}); resume with the same options ({Record(trainer)}).");
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
