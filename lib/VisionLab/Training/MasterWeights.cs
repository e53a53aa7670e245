using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Training;

/// <summary>
/// Mixed precision without autocast (TorchSharp has none): the model computes in fp16 or bf16, the optimizer
/// updates fp32 master copies of its parameters, and the masters are copied back after each step (the "O2"
/// scheme of NVIDIA Apex). Small updates that fp16 would round away accumulate in the fp32 masters.
/// </summary>
public sealed class MasterWeights : IDisposable
{
    readonly List<Parameter> _model;

    public MasterWeights(nn.Module model, ScalarType computeType)
    {
        ComputeType = computeType;
        using (no_grad())
            Masters = model.parameters().Select(p => new Parameter(p.detach().to(ScalarType.Float32, copy: true), p.requires_grad)).ToList();
        TensorCountCorrection.ForgetParameterDuplicates(Masters);
        model.to(computeType);
        TensorCountCorrection.ForgetParameterDuplicates(model); // converting replaces the Parameter objects
        _model = model.parameters().ToList();
    }

    public ScalarType ComputeType { get; }

    /// <summary>The fp32 parameters the optimizer updates.</summary>
    public List<Parameter> Masters { get; }

    /// <summary>
    /// Packs the model's parameters as the optimizer packed the masters (<see cref="FlatParameterGroup"/>), so that
    /// the copies below are one operation per group. Call once, after the optimizer has packed the masters.
    /// </summary>
    public void Pack(IReadOnlyList<FlatParameterGroup> masterGroups)
    {
        if (_packed.Count > 0) throw new InvalidOperationException("The master weights are already packed.");
        var index = Masters.Select((m, i) => (m, i)).ToDictionary(x => x.m.Handle, x => x.i);
        foreach (var group in masterGroups)
            _packed.Add((group, new FlatParameterGroup(group.Parameters.Select(m => _model[index[m.Handle]]).ToList())));
    }

    readonly List<(FlatParameterGroup Master, FlatParameterGroup Model)> _packed = new();

    /// <summary>Moves the model's (reduced-precision, still scaled) gradients to the masters as fp32, and clears them.</summary>
    public void GradientsToMasters()
    {
        ThrowIfNotPacked();
        using var noGrad = no_grad();
        foreach (var (master, model) in _packed)
        {
            master.Gradients.copy_(model.Gradients);
            model.ZeroGradients();
        }
    }

    /// <summary>Copies the updated masters into the model, rounding to the compute type.</summary>
    public void MastersToModel()
    {
        ThrowIfNotPacked();
        using var noGrad = no_grad();
        foreach (var (master, model) in _packed) model.Values.copy_(master.Values);
    }

    void ThrowIfNotPacked()
    {
        if (_packed.Count == 0) throw new InvalidOperationException("Pack the master weights with the optimizer's groups first (MasterWeights.Pack).");
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Masters.Count);
        foreach (var m in Masters)
        {
            var values = m.detach().cpu().data<float>().ToArray();
            writer.Write(values.Length);
            foreach (var v in values) writer.Write(v);
        }
    }

    public void Load(BinaryReader reader)
    {
        if (reader.ReadInt32() != Masters.Count) throw new InvalidDataException("The checkpoint's master weights belong to another model.");
        using var noGrad = no_grad();
        foreach (var m in Masters)
        {
            int count = reader.ReadInt32();
            if (count != m.numel()) throw new InvalidDataException("The checkpoint's master weights have other shapes than this model's.");
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = reader.ReadSingle();
            using var loaded = tensor(values, m.shape, device: m.device);
            m.copy_(loaded);
        }
        MastersToModel();
    }

    public void Dispose()
    {
        foreach (var (_, model) in _packed) model.Dispose();
        foreach (var m in Masters) m.Dispose();
    }
}
