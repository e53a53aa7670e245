using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace VisionLab.Deploy.Onnx;

/// <summary>
/// Builds an ONNX graph (OnnxSharp's protobuf types): initializers from tensors, nodes with unique output names,
/// inputs and outputs with a symbolic batch dimension. The exporter and the quantizer write through it.
/// </summary>
public sealed class OnnxGraphBuilder
{
    readonly HashSet<string> _names = new();
    int _counter;

    public GraphProto Graph { get; } = new() { Name = "visionlab" };

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string Name(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>A float32 initializer holding a copy of <paramref name="value"/>.</summary>
    public string Initializer(string hint, Tensor value)
    {
        using var data = value.detach().to(ScalarType.Float32).cpu().contiguous();
        var proto = new TensorProto { Name = Name(hint), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(data.shape);
        proto.RawData = ByteString.CopyFrom(data.bytes.ToArray());
        Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>An int64 initializer (shapes, axes, indices); a scalar when <paramref name="scalar"/> is set.</summary>
    public string Int64s(string hint, long[] values, bool scalar = false)
    {
        if (scalar && values.Length != 1) throw new ArgumentException("A scalar holds one value.", nameof(values));
        var proto = new TensorProto { Name = Name(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar) proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>A scalar float initializer.</summary>
    public string Scalar(string hint, float value)
    {
        var proto = new TensorProto { Name = Name(hint), DataType = (int)TensorProto.Types.DataType.Float };
        proto.FloatData.Add(value);
        Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a raw initializer (the quantizer's int8/uint8 tensors).</summary>
    public string Initializer(TensorProto proto)
    {
        proto.Name = Name(proto.Name);
        Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, string[] inputs, string outputHint, params AttributeProto[] attributes) =>
        Node(opType, inputs, new[] { outputHint }, attributes)[0];

    /// <summary>Adds a node with several outputs and returns their names.</summary>
    public string[] Node(string opType, string[] inputs, string[] outputHints, params AttributeProto[] attributes)
    {
        var outputs = outputHints.Select(Name).ToArray();
        var node = new NodeProto { OpType = opType, Name = Name($"{opType}_{Graph.Node.Count}") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A graph input or output of float32 values; dimension 0 is the symbolic "batch".</summary>
    public static ValueInfoProto FloatValue(string name, IEnumerable<long> dimsAfterBatch)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (var d in dimsAfterBatch) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
