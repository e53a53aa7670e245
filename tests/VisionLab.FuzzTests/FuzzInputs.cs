using System.IO.Compression;
using System.Text;
using CsCheck;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// CsCheck generators of bad input: random bytes (bare, or behind a format's magic number so they reach the parser's
/// body), and valid files damaged by bit flips, truncation, byte insertion and deletion, duplicated ranges, and
/// header fields overwritten with boundary values (0, -1, int.MaxValue, 2^31, 2^32-1, endless LEB128, huge decimal
/// numbers in text headers). Edits chain: one to three per input, positions taken modulo the current length.
/// </summary>
public static class FuzzInputs
{
    /// <summary>Values that break length and count fields, in the widths and byte orders formats use.</summary>
    static readonly byte[][] Boundary =
    [
        [0x00], [0x01], [0x7F], [0x80], [0xFF], [0xFE],
        [0x00, 0x00], [0xFF, 0xFF], [0x7F, 0xFF], [0xFF, 0x7F], [0x80, 0x00], [0x00, 0x80],
        [0x00, 0x00, 0x00, 0x00], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F],
        [0x80, 0x00, 0x00, 0x00], [0x00, 0x00, 0x00, 0x80], [0x00, 0x01, 0x00, 0x00], [0x00, 0x00, 0x01, 0x00],
        [0x00, 0x00, 0x00, 0x01], [0x01, 0x00, 0x00, 0x00], [0x00, 0x01, 0x00, 0x01],
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80], [0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00],
        // LEB128: the largest 64-bit value, one that never ends, one past 64 bits
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
        [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], [0x80, 0x80, 0x80, 0x80, 0x08],
        // text headers (JSON, PNM)
        "-1"u8.ToArray(), "0"u8.ToArray(), "99999999999999999999"u8.ToArray(), "2147483648"u8.ToArray(), "4294967296"u8.ToArray(),
        "1e308"u8.ToArray(), "null"u8.ToArray(), "\""u8.ToArray(), "{"u8.ToArray(), "]"u8.ToArray(), "[]"u8.ToArray(), "NaN"u8.ToArray(),
    ];

    /// <summary>An edit of a byte string; positions wrap around the current length, so edits compose.</summary>
    public abstract record Edit
    {
        public abstract byte[] Apply(byte[] bytes);
        protected static int At(uint position, int length) => length == 0 ? 0 : (int)(position % (uint)length);
    }

    public sealed record FlipBits(uint[] Bits) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            var result = (byte[])bytes.Clone();
            if (result.Length == 0) return result;
            foreach (var bit in Bits)
            {
                int at = (int)(bit % (uint)(result.Length * 8L));
                result[at / 8] ^= (byte)(1 << (at % 8));
            }
            return result;
        }
        public override string ToString() => $"flip {Bits.Length} bit(s)";
    }

    /// <summary>Cut to a length of a class: tiny (0-8), inside the header, anywhere, or a few bytes short.</summary>
    public sealed record Truncate(int Class, uint Position, int HeaderLength) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            int length = Class switch
            {
                0 => (int)(Position % 9),
                1 => (int)(Position % (uint)(Math.Min(HeaderLength, bytes.Length) + 1)),
                2 => At(Position, bytes.Length),
                _ => bytes.Length - 1 - (int)(Position % 16),
            };
            return bytes[..Math.Clamp(length, 0, bytes.Length)];
        }
        public override string ToString() => $"truncate ({(Class switch { 0 => "tiny", 1 => "in header", 2 => "anywhere", _ => "near end" })})";
    }

    public sealed record Insert(uint Position, byte[] Bytes) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            int at = At(Position, bytes.Length + 1);
            return [.. bytes.AsSpan(0, at), .. Bytes, .. bytes.AsSpan(at)];
        }
        public override string ToString() => $"insert {Bytes.Length} byte(s)";
    }

    public sealed record Delete(uint Position, int Count) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            int at = At(Position, bytes.Length), count = Math.Min(Count, bytes.Length - at);
            return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + count)];
        }
        public override string ToString() => $"delete {Count} byte(s)";
    }

    /// <summary>Copies a range over another place (repeated chunks, shifted structures).</summary>
    public sealed record Duplicate(uint From, int Count, uint To) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            if (bytes.Length == 0) return bytes;
            int from = At(From, bytes.Length), count = Math.Min(Count, bytes.Length - from);
            int to = At(To, bytes.Length + 1);
            return [.. bytes.AsSpan(0, to), .. bytes.AsSpan(from, count), .. bytes.AsSpan(to)];
        }
        public override string ToString() => $"duplicate {Count} byte(s)";
    }

    /// <summary>Overwrites a header field (an offset of the format's own fields, or any byte of the header) with a boundary value.</summary>
    public sealed record Overwrite(int Offset, byte[] Value) : Edit
    {
        public override byte[] Apply(byte[] bytes)
        {
            var result = (byte[])bytes.Clone();
            if (Offset >= result.Length) return result;
            Value.AsSpan(0, Math.Min(Value.Length, result.Length - Offset)).CopyTo(result.AsSpan(Offset));
            return result;
        }
        public override string ToString() => $"set @{Offset} to {Convert.ToHexString(Value)}";
    }

    /// <summary>One to three edits of a valid file.</summary>
    public static Gen<FuzzInput> Mutated(string name, byte[] valid, IReadOnlyList<int> fields, int headerLength = 64)
    {
        var edits = Edits(valid.Length, fields, headerLength);
        return edits.Array[1, 3].Select(chain =>
        {
            var bytes = valid;
            foreach (var edit in chain) bytes = edit.Apply(bytes);
            return new FuzzInput($"{name}: {string.Join(" + ", chain.Select(e => e.ToString()))}", bytes);
        });
    }

    static Gen<Edit> Edits(int length, IReadOnlyList<int> fields, int headerLength)
    {
        var position = Gen.UInt;
        var offsets = fields.Count > 0
            ? Gen.Frequency((3, Gen.OneOf(fields.Distinct().ToArray())), (1, Gen.Int[0, Math.Max(0, Math.Min(headerLength, length) - 1)]))
            : Gen.Int[0, Math.Max(0, Math.Min(headerLength, length) - 1)];
        var value = Gen.Frequency((3, Gen.OneOf(Boundary)), (1, Gen.Byte.Array[1, 8]));
        return Gen.Frequency<Edit>(
            (4, position.Array[1, 8].Select(bits => (Edit)new FlipBits(bits))),
            (3, Gen.Select(Gen.Int[0, 3], position, (c, p) => (Edit)new Truncate(c, p, headerLength))),
            (2, Gen.Select(position, Gen.Frequency((3, Gen.Byte.Array[1, 16]), (1, Gen.OneOf(Boundary))), (p, b) => (Edit)new Insert(p, b))),
            (2, Gen.Select(position, Gen.Frequency((3, Gen.Int[1, 16]), (1, Gen.Int[1, Math.Max(1, length / 2)])), (p, c) => (Edit)new Delete(p, c))),
            (1, Gen.Select(position, Gen.Int[1, 64], position, (f, c, t) => (Edit)new Duplicate(f, c, t))),
            (5, Gen.Select(offsets, value, (o, v) => (Edit)new Overwrite(o, v))));
    }

    /// <summary>Random bytes: short, medium, and behind one of the format's magic numbers (so they reach the body).</summary>
    public static Gen<FuzzInput> Random(string name, params byte[][] magics)
    {
        var bare = Gen.Frequency((1, Gen.Byte.Array[0, 16]), (2, Gen.Byte.Array[0, 2048]))
            .Select(b => new FuzzInput($"{name}: random", b));
        if (magics.Length == 0) return bare;
        var behindMagic = Gen.Select(Gen.OneOf(magics), Gen.Byte.Array[0, 1024], (m, b) => new FuzzInput($"{name}: magic {Convert.ToHexString(m)} + random", [.. m, .. b]));
        return Gen.Frequency((1, bare), (2, behindMagic));
    }

    /// <summary>
    /// A valid zip with one entry's content damaged (and the zip rebuilt, so CRCs and sizes agree): reaches the parser
    /// of what is inside, which raw edits of the zip mostly cannot (they fail the CRC check).
    /// </summary>
    public static Gen<FuzzInput> ZipEntryMutated(string name, byte[] validZip)
    {
        var entries = ReadEntries(validZip);
        return Gen.Int[0, entries.Count - 1].SelectMany(index =>
        {
            var (entryName, content, level) = entries[index];
            var fields = Enumerable.Range(0, Math.Min(content.Length, 64)).ToArray();
            return Mutated($"{name} entry {entryName}", content, fields, headerLength: Math.Max(16, content.Length)).Select(m =>
            {
                var rebuilt = new MemoryStream();
                using (var zip = new ZipArchive(rebuilt, ZipArchiveMode.Create, leaveOpen: true))
                    for (int i = 0; i < entries.Count; i++)
                    {
                        var entry = zip.CreateEntry(entries[i].Name, entries[i].Level);
                        entry.LastWriteTime = FixedTime;   // the same bytes on every run
                        using var stream = entry.Open();
                        stream.Write(i == index ? m.Bytes : entries[i].Content);
                    }
                return new FuzzInput(m.How, rebuilt.ToArray());
            });
        });
    }

    static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A zip with every entry's modification time set to one fixed time, so that a seed written now (checkpoints and
    /// .pt files record the time) is the same bytes on every run, and so are its mutations.
    /// </summary>
    public static byte[] WithFixedTimes(byte[] zip)
    {
        var result = (byte[])zip.Clone();
        for (int at = 0; at + 16 <= result.Length; at++)
        {
            if (result[at] != 'P' || result[at + 1] != 'K') continue;
            int time = (result[at + 2], result[at + 3]) switch { (3, 4) => at + 10, (1, 2) => at + 12, _ => -1 };
            if (time >= 0) result.AsSpan(time, 4).Clear();   // DOS time 00:00:00, date 0 (read as 1980-01-01)
        }
        return result;
    }

    static List<(string Name, byte[] Content, CompressionLevel Level)> ReadEntries(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var stream = e.Open();
            var memory = new MemoryStream();
            stream.CopyTo(memory);
            return (e.FullName, memory.ToArray(), e.CompressedLength == e.Length ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
        }).ToList();
    }

    /// <summary>
    /// Every truncation of a valid file up to 256 bytes, then up to 256 more spread over the rest, and the last 16
    /// lengths: each length class, deterministically.
    /// </summary>
    public static IEnumerable<FuzzInput> Truncations(string name, byte[] valid, IEnumerable<int>? alsoLengths = null)
    {
        var lengths = new SortedSet<int>(Enumerable.Range(0, Math.Min(valid.Length, 257)));
        if (valid.Length > 256)
            for (int i = 0; i < 256; i++) lengths.Add(256 + (int)((long)(valid.Length - 256) * i / 256));
        for (int cut = 1; cut <= 16 && cut <= valid.Length; cut++) lengths.Add(valid.Length - cut);
        foreach (var length in alsoLengths ?? []) if (length >= 0 && length < valid.Length) lengths.Add(length);
        return lengths.Select(length => new FuzzInput($"{name}: truncated to {length} of {valid.Length} bytes", valid[..length]));
    }

    /// <summary>Offsets of a zip's header fields (local headers, central directory, end record): sizes, offsets, name lengths, methods.</summary>
    public static IReadOnlyList<int> ZipFields(byte[] zip)
    {
        var fields = new List<int>();
        for (int at = 0; at + 4 <= zip.Length; at++)
        {
            if (zip[at] != 'P' || zip[at + 1] != 'K') continue;
            int[] relative = (zip[at + 2], zip[at + 3]) switch
            {
                (3, 4) => [0, 4, 6, 8, 14, 18, 22, 26, 28],                            // local file header
                (1, 2) => [0, 6, 8, 10, 16, 20, 24, 28, 30, 32, 34, 38, 42],          // central directory header
                (5, 6) => [0, 4, 6, 8, 10, 12, 16, 20],                               // end of central directory
                (6, 6) or (6, 7) => [0, 4, 12, 24, 32, 40, 48],                        // zip64 end record and locator
                _ => [],
            };
            fields.AddRange(relative.Select(r => at + r).Where(f => f < zip.Length));
        }
        return fields;
    }

    /// <summary>Offsets of the numbers, brackets and quotes of a text header (JSON).</summary>
    public static IEnumerable<int> TextFields(byte[] bytes, int from, int length) =>
        Enumerable.Range(from, Math.Max(0, Math.Min(length, bytes.Length - from)))
            .Where(i => bytes[i] is (byte)'[' or (byte)':' or (byte)'"' or (byte)',' || (char.IsAsciiDigit((char)bytes[i]) && (i == 0 || !char.IsAsciiDigit((char)bytes[i - 1]))));

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
