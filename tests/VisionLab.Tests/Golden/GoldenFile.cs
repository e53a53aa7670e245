using System.Text.Json;
using static TorchSharp.torch;

namespace VisionLab.Tests.Golden;

/// <summary>Reads golden tensors written by the scripts in tests/golden (PyTorch reference values).</summary>
public sealed class GoldenFile
{
    readonly JsonElement _root;

    public GoldenFile(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        _root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    public JsonElement Root => _root;

    public static Tensor ToTensor(JsonElement record)
    {
        var shape = record.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var values = record.GetProperty("values");
        return record.GetProperty("dtype").GetString() switch
        {
            "uint8" => tensor(values.EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray(), shape, ScalarType.Byte),
            "float32" => tensor(values.EnumerateArray().Select(e => e.GetSingle()).ToArray(), shape, ScalarType.Float32),
            var other => throw new NotSupportedException($"golden dtype {other}"),
        };
    }
}
