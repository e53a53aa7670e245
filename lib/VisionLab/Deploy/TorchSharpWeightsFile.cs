using System.Text;
using static TorchSharp.torch;

namespace VisionLab.Deploy;

/// <summary>
/// Reads the tensor names and shapes of TorchSharp's own weights format (<c>module.save</c>: a LEB128 count, then per
/// tensor its name, dtype, shape and raw data) without loading anything, so a file can be checked against a model
/// before a load that would fail half-way or, worse, succeed with the wrong model. Every length is bounded by the file.
/// </summary>
public static class TorchSharpWeightsFile
{
    const int MaxTensors = 1_000_000, MaxNameBytes = 4096, MaxDimensions = 16;

    /// <summary>Name → shape of every tensor in the stream; <see cref="InvalidDataException"/> when it is not that format.</summary>
    public static IReadOnlyDictionary<string, long[]> ReadSignature(Stream stream, string path)
    {
        long length = stream.Length;
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        long count = Leb128(reader, path, "tensor count");
        if (count is < 1 or > MaxTensors) throw Bad(path, $"it declares {count} tensors");
        var signature = new Dictionary<string, long[]>();
        for (long i = 0; i < count; i++)
        {
            long nameBytes = Leb128(reader, path, "name length");
            if (nameBytes is < 1 or > MaxNameBytes || stream.Position + nameBytes > length) throw Bad(path, $"tensor {i} has a name of {nameBytes} bytes");
            string name;
            try { name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(reader.ReadBytes((int)nameBytes)); }
            catch (DecoderFallbackException) { throw Bad(path, $"tensor {i}'s name is not text"); }
            long dtype = Leb128(reader, path, "dtype");
            long elementSize = ElementSize(dtype) ?? throw Bad(path, $"{name} has an unknown dtype {dtype}");
            long dimensions = Leb128(reader, path, "dimensions");
            if (dimensions is < 0 or > MaxDimensions) throw Bad(path, $"{name} has {dimensions} dimensions");
            var shape = new long[dimensions];
            long bytes = elementSize;
            for (int d = 0; d < dimensions; d++)
            {
                shape[d] = Leb128(reader, path, "shape");
                if (shape[d] < 0 || (shape[d] > 0 && bytes > length / shape[d])) throw Bad(path, $"{name} has shape [{string.Join(", ", shape.Take(d + 1))}], larger than the file");
                bytes *= shape[d];
            }
            if (stream.Position + bytes > length) throw Bad(path, $"it ends inside {name} (truncated)");
            if (!signature.TryAdd(name, shape)) throw Bad(path, $"{name} appears twice");
            stream.Seek(bytes, SeekOrigin.Current);
        }
        return signature;
    }

    public static IReadOnlyDictionary<string, long[]> ReadSignature(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadSignature(stream, path);
    }

    static long Leb128(BinaryReader reader, string path, string what)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            int b;
            try { b = reader.ReadByte(); }
            catch (EndOfStreamException) { throw Bad(path, $"it ends inside a {what} (truncated)"); }
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Bad(path, $"a {what} is not a number");
    }

    static long? ElementSize(long dtype) => (ScalarType)dtype switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => null,
    };

    static InvalidDataException Bad(string path, string why) =>
        new($"{path} is not TorchSharp weights (module.save) or is damaged: {why}.");
}
