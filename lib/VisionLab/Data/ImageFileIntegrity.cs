using System.Buffers.Binary;

namespace VisionLab.Data;

/// <summary>
/// Catches image files that are cut short, which ImageSharp 2.1 decodes without complaint (a truncated JPEG comes back
/// grey below the cut, a PNG whose data stops early comes back blank). Checks structure only, not pixels:
/// <list type="bullet">
/// <item>PNG: every chunk lies inside the file, IEND is present, and the compressed image data is large enough for
/// the declared size (DEFLATE cannot compress more than 1032:1, so less data than that means missing rows);</item>
/// <item>JPEG: the end-of-image marker (FF D9) closes the file (it cannot occur inside entropy-coded data);</item>
/// <item>GIF: the trailer byte (3B) closes the file.</item>
/// </list>
/// Other formats pass unchecked.
/// </summary>
public static class ImageFileIntegrity
{
    const int MaxDeflateRatio = 1032;
    /// <summary>The narrowest interlaced PNG ImageSharp 2.1.13 decodes (measured over 1 to 16 pixels on each side).</summary>
    public const int MinInterlacedWidth = 5;

    /// <summary>Null when the file looks whole; else why it does not. Reads headers and the file's end, not the pixels.</summary>
    public static string? Problem(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        int read = file.ReadAtLeast(head, 8, throwOnEndOfStream: false);
        head = head[..read];
        if (head.SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })) return PngProblem(file);
        if (read >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            return Tail(file).IndexOf(new byte[] { 0xFF, 0xD9 }) >= 0 ? null : "the JPEG has no end-of-image marker (truncated)";
        if (head.StartsWith("GIF8"u8)) return Tail(file).EndsWith(new byte[] { 0x3B }) ? null : "the GIF has no trailer (truncated)";
        return null;
    }

    /// <summary>The last bytes before any zero padding some writers append.</summary>
    static ReadOnlySpan<byte> Tail(FileStream file)
    {
        var tail = new byte[(int)Math.Min(file.Length, 4096)];
        file.Seek(-tail.Length, SeekOrigin.End);
        file.ReadExactly(tail);
        var trimmed = TrimEnd(tail, 0x00);
        return trimmed[Math.Max(0, trimmed.Length - 64)..];
    }

    static string? PngProblem(FileStream file)
    {
        long width = 0, height = 0, bitsPerPixel = 0, compressed = 0;
        Span<byte> header = stackalloc byte[8];
        Span<byte> ihdr = stackalloc byte[13];
        for (long at = 8; at < file.Length;)
        {
            if (at + 12 > file.Length) return "a PNG chunk header is cut off (truncated)";
            file.Seek(at, SeekOrigin.Begin);
            file.ReadExactly(header);
            long length = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = System.Text.Encoding.ASCII.GetString(header[4..]);
            if (at + 12 + length > file.Length) return $"the PNG's {type} chunk runs past the end of the file (truncated)";
            switch (type)
            {
                case "IHDR" when length >= 13:
                    file.ReadExactly(ihdr);
                    width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
                    height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
                    bitsPerPixel = ihdr[8] * ihdr[9] switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };
                    // ImageSharp 2.1.13's Adam7 decoder can spin forever (100 % CPU, deaf to signals) when the second
                    // pass, which starts at column 4, is empty: most interlaced PNGs 1 to 4 pixels wide.
                    if (ihdr[12] == 1 && width < MinInterlacedWidth)
                        return $"it is an interlaced PNG only {width} pixel(s) wide, which ImageSharp 2.1 cannot decode (it never finishes): re-save it without interlacing";
                    break;
                case "IDAT": compressed += length; break;
                case "IEND":
                    long raw = height * (1 + (width * bitsPerPixel + 7) / 8);
                    return compressed * MaxDeflateRatio >= raw ? null
                        : $"the PNG declares {width}x{height} pixels but holds only {compressed} bytes of image data, too little for that size (truncated or forged)";
            }
            at += 12 + length;
        }
        return "the PNG has no IEND chunk (truncated)";
    }

    static ReadOnlySpan<byte> TrimEnd(byte[] bytes, byte padding)
    {
        int length = bytes.Length;
        while (length > 0 && bytes[length - 1] == padding) length--;
        return bytes.AsSpan(0, length);
    }
}
