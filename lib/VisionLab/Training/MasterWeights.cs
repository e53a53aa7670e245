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

    /// <summary>Moves the model's (reduced-precision, still scaled) gradients to the masters as fp32, and clears them.</summary>
    public void GradientsToMasters()
    {
        for (int i = 0; i < _model.Count; i++)
        {
            using var grad = _model[i].grad;
            if (grad is null) continue;
            using var converted = grad.to(ScalarType.Float32);
            Masters[i].grad = converted; // the parameter keeps its own reference
        }
        foreach (var p in _model) p.grad = null;
    }

    /// <summary>Copies the updated masters into the model, rounding to the compute type.</summary>
    public void MastersToModel()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _model.Count; i++) _model[i].copy_(Masters[i]);
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
        foreach (var m in Masters) m.Dispose();
    }
}
