using System.Buffers.Binary;
using CsCheck;
using VisionLab.Data;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// The dataset parsers (IDX for MNIST/Fashion-MNIST, CIFAR-10 binary batches) on random and damaged files: each input
/// gives a dataset or <see cref="InvalidDataException"/>, within a time and allocation bound (issue 18).
/// </summary>
public sealed class DataFileFuzzTests
{
    static readonly FuzzRunner.Limits Limits = new(TimeSpan.FromSeconds(10));

    static byte[] Idx(int[] shape)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (int d = 0; d < shape.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), shape[d]);
        var data = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => (byte)(i * 7)).ToArray();
        return [.. header, .. data];
    }

    static void ParseIdx(byte[] bytes)
    {
        var content = IdxFile.Parse(bytes, "fuzz.idx");
        long elements = content.Shape.Aggregate(1L, (a, b) => a * b);
        if (content.Shape.Any(d => d < 0) || elements != content.Data.Length)
            throw new FuzzInvariantException($"accepted shape [{string.Join(", ", content.Shape)}] with {content.Data.Length} data bytes");
    }

    [Fact]
    public void Idx_parser_gives_content_or_InvalidDataException()
    {
        var tally = new FuzzTally("IDX (IdxFile.Parse)");
        static bool Documented(Exception e) => e is InvalidDataException;
        var images = Idx([3, 4, 5]);
        var labels = Idx([10]);
        int[] fields = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        FuzzRunner.Run(tally, "random", FuzzInputs.Random("idx", [0, 0, 8, 1], [0, 0, 8, 2], [0, 0, 8, 3], [0, 0, 8, 4], [0, 0, 9, 3]),
            seed: 18_001, FuzzRunner.Cases(1500), ParseIdx, Documented, Limits);
        FuzzRunner.Run(tally, "mutated images", FuzzInputs.Mutated("idx [3,4,5]", images, fields), seed: 18_002, FuzzRunner.Cases(1500), ParseIdx, Documented, Limits);
        FuzzRunner.Run(tally, "mutated labels", FuzzInputs.Mutated("idx [10]", labels, fields), seed: 18_003, FuzzRunner.Cases(750), ParseIdx, Documented, Limits);
        FuzzRunner.Run(tally, "truncated", FuzzInputs.Truncations("idx [3,4,5]", images), ParseIdx, Documented, Limits);
        FuzzRunner.Report(tally);
    }

    [Theory]
    // A dimension above int.MaxValue (was an OverflowException).
    [InlineData(new uint[] { 0x8000_0000 })]
    [InlineData(new uint[] { 0xFFFF_FFFF, 1 })]
    // Dimensions whose product is 2^64: it wrapped to 0 and a 20-byte file was accepted as [65536, 65536, 65536, 65536].
    [InlineData(new uint[] { 65536, 65536, 65536, 65536 })]
    // A huge declared size with no data must be refused before anything is allocated for it.
    [InlineData(new uint[] { 0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF })]
    public void Idx_header_sizes_that_overflow_are_InvalidDataException(uint[] shape)
    {
        var bytes = new byte[4 + 4 * shape.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int d = 0; d < shape.Length; d++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * d), shape[d]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.Parse(bytes, "huge.idx"));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.Contains("huge.idx", error.Message);
    }

    static byte[] CifarRecords(int count)
    {
        var bytes = new byte[count * Cifar10.RecordSize];
        for (int r = 0; r < count; r++)
        {
            bytes[r * Cifar10.RecordSize] = (byte)(r % 10);
            for (int i = 1; i < Cifar10.RecordSize; i++) bytes[r * Cifar10.RecordSize + i] = (byte)(i * 31 + r);
        }
        return bytes;
    }

    [Fact]
    public void Cifar10_batch_reader_gives_a_dataset_or_InvalidDataException()
    {
        var tally = new FuzzTally("CIFAR-10 batches (Cifar10.ReadBatches)");
        using var folder = new TemporaryFolder();
        var valid = Path.Combine(folder.Path, "valid_batch.bin");
        var batch = CifarRecords(2);
        File.WriteAllBytes(valid, batch);
        var path = Path.Combine(folder.Path, "data_batch_1.bin");
        void Read(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            var data = Cifar10.ReadBatches([valid, path]);
            if (data.Count != 2 + bytes.Length / Cifar10.RecordSize || bytes.Length % Cifar10.RecordSize != 0)
                throw new FuzzInvariantException($"accepted {bytes.Length} bytes as {data.Count} images");
            for (int i = 0; i < data.Count; i++) if (data.Label(i) is < 0 or > 9) throw new FuzzInvariantException($"label {data.Label(i)}");
        }
        static bool Documented(Exception e) => e is InvalidDataException;
        // Records of the right size with random labels and pixels: most are accepted, labels above 9 are not.
        var records = Gen.Int[1, 3].SelectMany(n => Gen.Byte.Array[n * Cifar10.RecordSize])
            .Select(b => new FuzzInput("cifar: random records", b));
        FuzzRunner.Run(tally, "random", FuzzInputs.Random("cifar"), seed: 18_011, FuzzRunner.Cases(150), Read, Documented, Limits);
        FuzzRunner.Run(tally, "random records", records, seed: 18_012, FuzzRunner.Cases(100), Read, Documented, Limits);
        int[] fields = [0, 1, 1024, 3072, 3073, 3074, 6145];
        FuzzRunner.Run(tally, "mutated", FuzzInputs.Mutated("cifar 2 records", batch, fields, headerLength: batch.Length), seed: 18_013, FuzzRunner.Cases(300), Read, Documented, Limits);
        FuzzRunner.Run(tally, "truncated", FuzzInputs.Truncations("cifar 2 records", batch, [Cifar10.RecordSize - 1, Cifar10.RecordSize, Cifar10.RecordSize + 1]),
            Read, Documented, Limits);
        FuzzRunner.Report(tally);
    }
}
