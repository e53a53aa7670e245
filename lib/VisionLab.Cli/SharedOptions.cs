using System.CommandLine;
using VisionLab.Data;
using VisionLab.Deploy;
using VisionLab.Models;
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
