using System.Buffers.Binary;
using System.IO.Compression;

namespace VisionLab.Tests;

/// <summary>
/// Writes PNG files byte by byte, with any header a file may claim (size, bit depth, colour type, interlacing): the
/// shapes an encoder would never make but a hostile or broken file has. The image data is a valid zero image for
/// what the header says, so only the header's choices are under test.
/// </summary>
public static class PngWriter
{
    static readonly int[] FirstRow = [0, 0, 4, 0, 2, 0, 1], RowStep = [8, 8, 8, 4, 4, 2, 2], FirstColumn = [0, 4, 0, 2, 0, 1, 0], ColumnStep = [8, 8, 4, 4, 2, 2, 1];

    /// <summary>Samples per pixel of each PNG colour type.</summary>
    public static int Channels(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 1 };

    public static byte[] Write(int width, int height, bool interlaced, int bitDepth = 8, int colorType = 0, byte fill = 0)
    {
        int bitsPerPixel = bitDepth * Channels(colorType);
        var raw = new MemoryStream();
        void Rows(int columns, int rows)
        {
            if (columns <= 0 || rows <= 0) return;
            int bytes = (columns * bitsPerPixel + 7) / 8;
            for (int r = 0; r < rows; r++)
            {
                raw.WriteByte(0);   // filter: none
                raw.Write(Enumerable.Repeat(fill, bytes).ToArray());
            }
        }
        if (interlaced)
            for (int pass = 0; pass < 7; pass++)
                Rows((width - FirstColumn[pass] + ColumnStep[pass] - 1) / ColumnStep[pass], (height - FirstRow[pass] + RowStep[pass] - 1) / RowStep[pass]);
        else Rows(width, height);
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(raw.ToArray());
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colorType;
        header[12] = interlaced ? (byte)1 : (byte)0;
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        if (colorType == 3) Chunk(png, "PLTE", Enumerable.Range(0, 3 << Math.Min(bitDepth, 8)).Select(i => (byte)i).ToArray());
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    /// <summary>PNG's chunk checksum (CRC-32 over the chunk's type and data).</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFF_FFFF;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
