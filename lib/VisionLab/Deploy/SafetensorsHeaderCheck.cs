using System.Buffers.Binary;
using System.Text.Json;

namespace VisionLab.Deploy;

/// <summary>
/// Checks a safetensors file's header before any tensor is made from it: known dtypes, shapes of non-negative sizes,
/// and data offsets that lie inside the file and hold exactly shape x dtype bytes. Without it a negative dimension
/// reached libtorch and came back as a 3 KB native backtrace.
/// </summary>
public static class SafetensorsHeaderCheck
{
    const long MaxHeaderBytes = 100L << 20;

    static readonly Dictionary<string, int> BytesPerElement = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file and the first tensor that cannot be sound.</summary>
    public static void Check(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (file.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8) throw Bad(path, "it is shorter than a safetensors header");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)Math.Min(MaxHeaderBytes, file.Length - 8)) throw Bad(path, $"its header claims {headerLength:N0} bytes, more than the file holds");
        var header = new byte[(int)headerLength];
        file.ReadExactly(header);
        long dataBytes = file.Length - 8 - (long)headerLength;
        // JSON readers check UTF-8 only when a name is read, and then throw InvalidOperationException (found by fuzzing).
        try { new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetCharCount(header); }
        catch (System.Text.DecoderFallbackException) { throw Bad(path, "its header is not valid UTF-8 text"); }
        JsonDocument document;
        try { document = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad(path, $"its header is not JSON ({e.Message.Split('.')[0]})"); }
        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "its header is not a JSON object");
        foreach (var tensor in document.RootElement.EnumerateObject())
        {
            if (tensor.Name == "__metadata__") continue;
            var entry = tensor.Value;
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
                || !entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
                throw Bad(path, $"tensor {tensor.Name} lacks its dtype, shape or data_offsets");
            if (!BytesPerElement.TryGetValue(dtype.GetString()!, out var elementBytes)) throw Bad(path, $"tensor {tensor.Name} has the unknown dtype {dtype.GetString()}");
            long elements = 1;
            foreach (var dimension in shape.EnumerateArray())
            {
                if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var size) || size < 0 || size > 1L << 40)
                    throw Bad(path, $"tensor {tensor.Name} has the dimension {dimension.GetRawText()}, not a size from 0 to 2^40");
                elements = size == 0 ? 0 : elements > (1L << 40) / size ? throw Bad(path, $"tensor {tensor.Name} has more elements than any file holds") : elements * size;
            }
            if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin || end > dataBytes)
                throw Bad(path, $"tensor {tensor.Name}'s data_offsets {offsets.GetRawText()} lie outside the file's {dataBytes:N0} data bytes");
            if (end - begin != elements * elementBytes)
                throw Bad(path, $"tensor {tensor.Name} is {dtype.GetString()} [{string.Join(", ", shape.EnumerateArray().Select(d => d.GetRawText()))}], {elements * elementBytes:N0} bytes, but its data_offsets hold {end - begin:N0}");
        }
    }

    static InvalidDataException Bad(string path, string why) => new($"{path} is not a sound safetensors file: {why}.");
}
