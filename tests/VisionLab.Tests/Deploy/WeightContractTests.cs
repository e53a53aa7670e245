using System.Buffers.Binary;
using System.Text;
using VisionLab.Deploy;
using VisionLab.Models;
using static TorchSharp.torch;

namespace VisionLab.Tests.Deploy;

/// <summary>
/// Issue 35, case 6 and the messages: weights are checked against the model before they are used: dtypes, a sound
/// safetensors header, the class count, and finite values.
/// </summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class WeightContractTests
{
    /// <summary>A safetensors file of <paramref name="model"/>'s tensors, each stored as <paramref name="dtype"/> (F32 or I32), optionally with one shape forged.</summary>
    internal static void WriteSafetensors(nn.Module model, string path, string dtype = "F32", (string Name, long[] Shape)? forged = null)
    {
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        foreach (var (name, tensor) in model.state_dict())
        {
            using var values = tensor.detach().to(dtype == "I32" ? ScalarType.Int32 : ScalarType.Float32).contiguous();
            var bytes = values.bytes.ToArray();
            var shape = forged is { } f && f.Name == name ? f.Shape : tensor.shape;
            header.Append($"\"{name}\":{{\"dtype\":\"{(tensor.is_floating_point() ? dtype : "I64")}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{data.Length},{data.Length + (tensor.is_floating_point() ? bytes.Length : tensor.NumberOfElements * 8)}]}},");
            if (tensor.is_floating_point()) data.Write(bytes);
            else
            {
                using var longs = tensor.to(ScalarType.Int64).contiguous();
                data.Write(longs.bytes.ToArray());
            }
        }
        header[^1] = '}';
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var file = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        file.Write(length);
        file.Write(headerBytes);
        file.Write(data.ToArray());
    }

    [Fact]
    public void Integer_tensors_are_not_loaded_into_float_weights()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "ints.safetensors");
        using var model = new ModernCNN(10);
        WriteSafetensors(model, path, "I32");
        var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(model, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("Int32 in the file, Float32 in the model", error.Message);
    }

    [Fact]
    public void A_negative_dimension_is_one_line_not_a_native_backtrace()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "negative.safetensors");
        using var model = new ModernCNN(10);
        WriteSafetensors(model, path, forged: ("fc.bias", [-10]));
        var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(model, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("fc.bias has the dimension -10", error.Message);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void Weights_for_another_class_count_say_so()
    {
        using var folder = new TemporaryFolder();
        using var ten = new ModernCNN(10);
        using var six = new ModernCNN(6);
        var bin = Path.Combine(folder.Path, "model.bin");
        ten.save(bin);
        var safetensors = Path.Combine(folder.Path, "model.safetensors");
        WriteSafetensors(ten, safetensors);
        foreach (var path in new[] { bin, safetensors })
        {
            var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(six, path));
            Assert.Contains("was trained for 10 classes, but the data given has 6", error.Message);
            Assert.DoesNotContain("another model", error.Message);
        }
    }

    [Fact]
    public void Weights_that_are_not_finite_are_refused_with_the_count()
    {
        using var folder = new TemporaryFolder();
        using var model = new ModernCNN(10);
        using (no_grad())
        using (NewDisposeScope())
        {
            var weight = model.state_dict()["fc.weight"];
            weight[0, 0].fill_(float.NaN);
            weight[1, 1].fill_(float.PositiveInfinity);
        }
        var path = Path.Combine(folder.Path, "diverged.bin");
        model.save(path);
        using var fresh = new ModernCNN(10);
        var error = Assert.Throws<WeightFileException>(() => WeightFiles.Load(fresh, path));
        Assert.Contains(path, error.Message);
        Assert.Contains("2 values that are not finite", error.Message);
        Assert.Contains("fc.weight", error.Message);
    }
}
