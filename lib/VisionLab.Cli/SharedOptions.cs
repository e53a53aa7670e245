using System.CommandLine;
using VisionLab.Core;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Cli;

/// <summary>
/// The options several commands take, declared here once with one default each; a command may add what the option
/// means to it (<paramref name="purpose"/>) but not another default. Also the one way a command gets a catalog model
/// with trained weights in it.
/// </summary>
public static class SharedOptions
{
    public const string DefaultModel = "modern-cnn";
    /// <summary>The best Fashion-MNIST available offline: Debian's full set, else a verified download, else the bundled subset.</summary>
    public const string DefaultDataset = "fashion-mnist";

    public static Option<string> Model(string? purpose = null) =>
        new Option<string>("--model") { DefaultValueFactory = _ => DefaultModel, Description = Describe(purpose, ModelCatalog.Names) }.OneOf(ModelCatalog.Entries);

    public static Option<string> Dataset(string? purpose = null) =>
        new Option<string>("--dataset") { DefaultValueFactory = _ => DefaultDataset, Description = Describe(purpose, DatasetCatalog.Names) }.DatasetName();

    /// <summary>Trained weights given as the command's first argument (evaluate, export).</summary>
    public static Argument<FileInfo> WeightsArgument(string purpose) =>
        new("weights") { Description = $"{purpose} {WeightFiles.Description}." };

    /// <summary>Trained weights given as --weights (predict, bench inference); <paramref name="also"/> names other files it takes.</summary>
    public static Option<FileInfo?> Weights(string purpose, bool required, string? also = null) =>
        new("--weights") { Description = $"{purpose} {also}{WeightFiles.Description}.", Required = required };

    /// <summary>Where a command writes: a folder (or for export a file); <paramref name="defaultPath"/> null means the command derives it.</summary>
    public static Option<string?> Output(string purpose, string? defaultPath = null) =>
        defaultPath is null ? new("--output") { Description = purpose }
                            : new("--output") { Description = $"{purpose} (default: {defaultPath})", DefaultValueFactory = _ => defaultPath };

    public static Option<int> BatchSize(string? purpose = null) =>
        new Option<int>("--batch-size") { DefaultValueFactory = _ => 128, Description = purpose ?? "Images per batch." }.AtLeast(1);

    /// <summary>The trainer's compute precision; Auto is the trainer's own choice.</summary>
    public static Option<Precision> Precision(string? purpose = null) =>
        new("--precision") { DefaultValueFactory = _ => VisionLab.Training.Precision.Auto, Description = Describe(purpose, "Auto (fp16 on CUDA, fp32 on the CPU), Float32, Float16 or BFloat16.") };

    public static Option<int> Rounds(string purpose) =>
        new Option<int>("--rounds") { DefaultValueFactory = _ => 3, Description = purpose }.AtLeast(1);

    /// <summary>Runs the guide's PyTorch code beside ours (Debian's python3-torch, installed if missing).</summary>
    public static Option<bool> ComparePyTorch(string purpose) =>
        new("--compare-pytorch") { Description = $"{purpose} Debian's python3-torch is installed if missing." };

    /// <summary>
    /// Where tensors live for the whole run, chosen once before any command works: auto (CUDA when present, else CPU),
    /// cpu or cuda. Every subcommand takes it.
    /// </summary>
    public static Option<string> Device { get; } = new Option<string>("--device")
    {
        DefaultValueFactory = _ => "auto", Description = "auto (CUDA when present, else CPU), cpu or cuda.", Recursive = true,
    }.OneOf("auto", "cpu", "cuda");

    /// <summary>libtorch's intra-op threads for the whole run (default: libtorch's own choice, one per core).</summary>
    public static Option<int?> Threads { get; } = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: one per core).", Recursive = true }.AtLeast(1);

    /// <summary>Applies --device and --threads once, before the command runs.</summary>
    public static void ApplyMachineOptions(ParseResult parse)
    {
        TorchEnvironment.UseDevice(parse.GetValue(Device)!);
        if (parse.GetValue(Threads) is int threads) TorchSharp.torch.set_num_threads(threads);
    }

    /// <summary>The catalog model <paramref name="name"/> with the weights in <paramref name="weights"/> (any format <see cref="WeightFiles"/> reads), checked to fit.</summary>
    public static nn.Module<Tensor, Tensor> ModelWithWeights(string name, int classes, string weights)
    {
        var network = ModelCatalog.Create(name, classes);
        try
        {
            WeightFiles.Load(network, weights);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    static string Describe(string? purpose, string names) => purpose is null ? names : $"{purpose} {names}";
}
