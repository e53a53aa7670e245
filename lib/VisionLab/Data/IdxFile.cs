using System.Buffers.Binary;
using System.IO.Compression;

namespace VisionLab.Data;

/// <summary>The IDX format of MNIST and Fashion-MNIST (optionally gzipped): unsigned bytes with a big-endian header.</summary>
public static class IdxFile
{
    public sealed record Content(int[] Shape, byte[] Data);

    public static Content Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message}). Delete it and fetch it again.", e);
        }
        return Parse(bytes, path);
    }

    public static Content Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{name}: not an IDX file (bad magic number).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{name}: IDX element type 0x{bytes[2]:x2} is not supported (expected 0x08, unsigned bytes).");
        int dims = bytes[3];
        if (dims is < 1 or > 4 || bytes.Length < 4 + 4 * dims)
            throw new InvalidDataException($"{name}: IDX header is truncated or has {dims} dimensions.");
        var shape = new int[dims];
        Int128 expected = 1;   // up to four 31-bit dimensions: exact, where a long product could wrap to a small number
        for (int d = 0; d < dims; d++)
        {
            uint dimension = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * d)..]);
            if (dimension > int.MaxValue)
                throw new InvalidDataException($"{name}: IDX dimension {d} is {dimension}, larger than any IDX file (corrupt header).");
            shape[d] = (int)dimension;
            expected *= shape[d];
        }
        int header = 4 + 4 * dims;
        if (bytes.Length - header != expected)
            throw new InvalidDataException($"{name}: IDX header promises {expected} bytes of data for shape [{string.Join(", ", shape)}], the file has {bytes.Length - header} (truncated or corrupt).");
        return new Content(shape, bytes[header..].ToArray());
    }
}
