using VisionLab.Core;
using VisionLab.Deploy;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// Weight files on random and damaged input: TorchSharp's weights header (<see cref="TorchSharpWeightsFile"/>), and
/// <see cref="WeightFiles"/> identifying and loading checkpoints, TorchSharp .bin, PyTorch .pt and safetensors. Each
/// input gives a result or the documented error, within a time and allocation bound, and leaves no tensor alive.
/// </summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class WeightFileFuzzTests
{
    /// <summary>A raw TorchSharp module, counted like the library's own (see TensorCountCorrection).</summary>
    static T Counted<T>(T module) where T : nn.Module
    {
        TensorCountCorrection.ForgetParameterDuplicates(module);
        return module;
    }

    static byte[] Saved(nn.Module module, string folder, string name)
    {
        var path = Path.Combine(folder, name);
        module.save(path);
        return File.ReadAllBytes(path);
    }

    /// <summary>Offsets of every field of TorchSharp's format in a valid file: count, and per tensor name length, dtype, rank, dimensions.</summary>
    static List<int> TorchSharpFields(byte[] bytes)
    {
        var fields = new List<int>();
        int at = 0;
        long Leb()
        {
            fields.Add(at);
            long value = 0;
            for (int shift = 0; ; shift += 7)
            {
                Assert.True(at >= 0 && at < bytes.Length, $"at {at}: not TorchSharp's format as expected: {Convert.ToHexString(bytes)}");
            byte b = bytes[at++];
                value |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
        }
        long count = Leb();
        for (long i = 0; i < count; i++)
        {
            int nameLength = (int)Leb();   // (not `at += Leb()`: that reads `at` before Leb moves it)
            at += nameLength;
            long dtype = Leb();
            long size = dtype switch { 0 or 1 or 11 => 1, 2 or 5 or 15 => 2, 3 or 6 => 4, 10 => 16, _ => 8 };
            long rank = Leb();
            for (long d = 0; d < rank; d++) size *= Leb();
            fields.Add(at);   // first data byte
            at += (int)size;
        }
        Assert.Equal(bytes.Length, at);
        return fields;
    }

    [Fact]
    public void TorchSharp_weights_header_gives_a_signature_or_InvalidDataException()
    {
        var tally = new FuzzTally("TorchSharp weights header (TorchSharpWeightsFile.ReadSignature)");
        using var folder = new TemporaryFolder();
        long liveBefore = LiveTensors.Count();
        manual_seed(18);
        byte[] linear, sequential;
        using (var module = Counted(nn.Linear(3, 2))) linear = Saved(module, folder.Path, "linear.bin");
        using (var module = Counted(nn.Sequential(("conv", nn.Conv2d(1, 2, 3)), ("bn", nn.BatchNorm2d(2)), ("fc", nn.Linear(2, 2)))))
            sequential = Saved(module, folder.Path, "sequential.bin");
        Assert.Equal(liveBefore, LiveTensors.Count());

        static void Read(byte[] bytes)
        {
            var signature = TorchSharpWeightsFile.ReadSignature(new MemoryStream(bytes), "fuzz.bin");
            foreach (var (name, shape) in signature)
                if (shape.Any(d => d < 0) || shape.Aggregate(1.0, (a, d) => a * d) > bytes.Length)
                    throw new FuzzInvariantException($"accepted {name} [{string.Join(", ", shape)}] from {bytes.Length} bytes");
        }
        static bool Documented(Exception e) => e is InvalidDataException;
        var limits = new FuzzRunner.Limits(TimeSpan.FromSeconds(10));
        FuzzRunner.Run(tally, "random", FuzzInputs.Random("torchsharp", [0x01], [0x02, 0x06], [0x03, 0x0B], [0x01, 0x06, (byte)'w', (byte)'e', (byte)'i', (byte)'g', (byte)'h', (byte)'t']),
            seed: 18_021, FuzzRunner.Cases(1500), Read, Documented, limits);
        FuzzRunner.Run(tally, "mutated Linear", FuzzInputs.Mutated("Linear(3, 2)", linear, TorchSharpFields(linear), headerLength: linear.Length),
            seed: 18_022, FuzzRunner.Cases(1500), Read, Documented, limits);
        FuzzRunner.Run(tally, "mutated Sequential", FuzzInputs.Mutated("Conv+BN+Linear", sequential, TorchSharpFields(sequential), headerLength: sequential.Length),
            seed: 18_023, FuzzRunner.Cases(1500), Read, Documented, limits);
        FuzzRunner.Run(tally, "truncated", FuzzInputs.Truncations("Conv+BN+Linear", sequential), Read, Documented, limits);
        FuzzRunner.Report(tally);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x84, 0x3D }, "truncated")]                                   // a million tensors, no data
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "tensors")]   // 2^63-1 tensors
    [InlineData(new byte[] { 0x01, 0xFF, 0xFF, 0xFF, 0x7F }, "name of")]                          // a 256 MiB name
    [InlineData(new byte[] { 0x01, 0x01, (byte)'w', 0x06, 0x02, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F }, "larger than the file")]
    public void Huge_declared_weight_sizes_are_refused_before_allocation(byte[] bytes, string reason)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => TorchSharpWeightsFile.ReadSignature(new MemoryStream(bytes), "huge.bin"));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains(reason, error.Message);
    }

    /// <summary>PickleLengthCheck refuses lengths past the pickle's end before PyBridge's unpickler allocates them (found here: fixed).</summary>
    static readonly (string Kind, string Bug)[] KnownPyTorchIssues = [];

    [Theory]
    [InlineData(".ckpt")]
    [InlineData(".bin")]
    [InlineData(".pt")]
    [InlineData(".safetensors")]
    [InlineData(".onnx")]   // random bytes only: an ONNX file is not weights, WeightFiles says so
    public void Weight_files_load_or_give_WeightFileException_or_CheckpointException(string extension)
    {
        using var folder = new TemporaryFolder();
        manual_seed(18);   // the same weights, so the same seed files and mutations, on every run
        // A tiny model keeps each case cheap; the parsers do not depend on the architecture.
        using var model = Counted(nn.Linear(3, 2));
        var seedPath = Path.Combine(folder.Path, "seed" + extension);
        switch (extension)
        {
            case ".ckpt":
                using (var trainer = new Trainer(model)) trainer.SaveCheckpoint(seedPath);
                break;
            case ".bin":
                model.save(seedPath);
                break;
            case ".pt" or ".safetensors":
                PyTorchWeights.Save(model, seedPath);
                break;
        }
        byte[]? valid = File.Exists(seedPath) ? File.ReadAllBytes(seedPath) : null;
        if (valid is not null && extension is ".ckpt" or ".pt")
        {
            valid = FuzzInputs.WithFixedTimes(valid);
            File.WriteAllBytes(seedPath, valid);
        }
        if (valid is not null) WeightFiles.Load(model, seedPath);   // the seed itself loads
        long liveBefore = LiveTensors.Count();

        static bool Documented(Exception e) => e is WeightFileException or CheckpointException;
        var limits = new FuzzRunner.Limits(TimeSpan.FromSeconds(30), AllocationAllowance: 64 << 20);
        var tally = new FuzzTally($"weight files {extension} (WeightFiles.Identify + Load)");
        var path = Path.Combine(folder.Path, "case" + extension);
        void Load(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            WeightFiles.Identify(path);
            WeightFiles.Load(model, path);
        }
        ulong seed = 18_030 + (ulong)extension.Length * 10;
        FuzzRunner.Run(tally, "random", FuzzInputs.Random(extension, "PK\u0003\u0004"u8.ToArray(), [0x80, 0x02], [0x40, 0, 0, 0, 0, 0, 0, 0, (byte)'{'], [0x02, 0x06]),
            seed, FuzzRunner.Cases(60), Load, Documented, limits);
        if (valid is not null)
        {
            var fields = extension switch
            {
                ".ckpt" or ".pt" => FuzzInputs.ZipFields(valid),
                ".safetensors" => [0, 1, 2, 3, 4, 5, 6, 7, .. FuzzInputs.TextFields(valid, 8, (int)BitConverter.ToUInt64(valid, 0))],
                _ => TorchSharpFields(valid),
            };
            FuzzRunner.Run(tally, "mutated", FuzzInputs.Mutated(extension, valid, fields, headerLength: valid.Length), seed + 1, FuzzRunner.Cases(150), Load, Documented, limits);
            if (extension is ".ckpt" or ".pt")
                FuzzRunner.Run(tally, "zip entry mutated", FuzzInputs.ZipEntryMutated(extension, valid), seed + 2, FuzzRunner.Cases(150), Load, Documented, limits);
            FuzzRunner.Run(tally, "truncated", FuzzInputs.Truncations(extension, valid).Where((_, i) => i % 4 == 0), Load, Documented, limits);
        }
        FuzzRunner.Print([tally]);
        var (leaked, seen) = LiveTensors.ExcessOver(liveBefore);
        Assert.True(leaked <= 0, $"{leaked} tensor(s) left alive by failed loads (counts seen: {string.Join(", ", seen)})");
        FuzzRunner.Check([tally], extension == ".pt" ? KnownPyTorchIssues : []);
    }
}
