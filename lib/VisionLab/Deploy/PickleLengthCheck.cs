using System.Buffers.Binary;
using System.IO.Compression;

namespace VisionLab.Deploy;

/// <summary>
/// Walks a PyTorch file's pickle (the data.pkl of its zip) opcode by opcode before it is unpickled, and refuses a
/// length that runs past the pickle's end. The unpickler TorchSharp.PyBridge uses (Razorvine.Pickle) allocates what a
/// length prefix declares before reading: a damaged file of a few hundred bytes made it allocate 2 GB (found by the
/// fuzz tests). Only lengths are checked; what the opcodes mean is left to the unpickler.
/// </summary>
public static class PickleLengthCheck
{
    const long MaxPickleBytes = 256L << 20;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file when its pickle cannot be sound.</summary>
    public static void Check(string path)
    {
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException) { return; }   // not a zip: the legacy format, or not PyTorch at all; PyBridge says which
        using var _ = zip;
        var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        if (entry is null) return;   // the legacy format is a bare pickle stream of tensors; PyBridge rejects it with its own words
        if (entry.Length > MaxPickleBytes) throw Bad(path, $"its pickle is {entry.Length:N0} bytes, more than a state_dict's");
        var bytes = new byte[entry.Length];
        using (var stream = entry.Open()) stream.ReadExactly(bytes);
        Walk(bytes, path);
    }

    static void Walk(byte[] p, string path)
    {
        long at = 0;
        while (at < p.Length)
        {
            byte op = p[at++];
            long fixedBytes = op switch
            {
                (byte)'K' or (byte)'q' or (byte)'h' or 0x80 or 0x82 => 1,
                (byte)'M' or 0x83 => 2,
                (byte)'J' or (byte)'r' or (byte)'j' or 0x84 => 4,
                (byte)'G' or 0x95 => 8,
                _ => 0,
            };
            long lengthBytes = op switch
            {
                (byte)'U' or (byte)'C' or 0x8C or 0x8A => 1,
                (byte)'T' or (byte)'X' or (byte)'B' or 0x8B => 4,
                0x8D or 0x8E or 0x96 => 8,
                _ => 0,
            };
            if (op == (byte)'.') return;   // STOP
            if (lengthBytes > 0)
            {
                if (at + lengthBytes > p.Length) throw Bad(path, $"its pickle ends inside a length at byte {at}");
                long length = lengthBytes switch
                {
                    1 => p[at],
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan((int)at)),
                    _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(p.AsSpan((int)at)), long.MaxValue / 2),
                };
                at += lengthBytes;
                if (length > p.Length - at) throw Bad(path, $"its pickle declares {length:N0} bytes at byte {at}, past its end ({p.Length:N0} bytes)");
                at += length;
            }
            else if (fixedBytes > 0) at += fixedBytes;
            else if (op is (byte)'I' or (byte)'L' or (byte)'S' or (byte)'V' or (byte)'F' or (byte)'P' or (byte)'g' or (byte)'p')
                at = SkipLine(p, at, path);
            else if (op is (byte)'c' or (byte)'i')
                at = SkipLine(p, SkipLine(p, at, path), path);
            else if (!NoArgument.Contains(op))
                throw Bad(path, $"its pickle has an unknown opcode 0x{op:X2} at byte {at - 1}");
            if (at > p.Length) throw Bad(path, $"its pickle ends inside an opcode's argument");
        }
        throw Bad(path, "its pickle has no STOP (truncated)");
    }

    static readonly HashSet<byte> NoArgument = [.. "(0125NRabd}el]osut)Q"u8.ToArray(), 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98];

    static long SkipLine(byte[] p, long at, string path)
    {
        int newline = Array.IndexOf(p, (byte)'\n', (int)at);
        if (newline < 0) throw Bad(path, "its pickle ends inside a text argument");
        return newline + 1;
    }

    static InvalidDataException Bad(string path, string why) => new($"{path} is a damaged PyTorch file: {why}.");
}
