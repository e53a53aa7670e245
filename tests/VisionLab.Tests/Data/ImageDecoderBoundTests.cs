using System.Buffers.Binary;
using System.Diagnostics;
using VisionLab.Data;

namespace VisionLab.Tests.Data;

/// <summary>
/// Issue 35, case 4: no image file can hang a decode. ImageSharp 2.1.13 spins forever on interlaced PNGs 1 to 4
/// pixels wide; those are refused before the decoder sees them, every decode runs under a time bound, and files that
/// are not regular files are refused unopened.
/// </summary>
public sealed class ImageDecoderBoundTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(1, 4)]
    [InlineData(4, 1)]
    [InlineData(4, 9)]
    public void A_tiny_interlaced_PNG_is_refused_in_seconds_naming_the_file(int width, int height)
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "interlaced.png");
        File.WriteAllBytes(path, PngWriter.Write(width, height, interlaced: true));
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 5);
        Assert.Contains(path, error.Message);
        Assert.Contains("interlaced", error.Message);
    }

    [Theory]   // the narrowest widths that decode, and a few sizes around them
    [InlineData(5, 1)]
    [InlineData(5, 5)]
    [InlineData(8, 3)]
    [InlineData(9, 9)]
    public void Interlaced_PNGs_five_pixels_wide_or_more_decode(int width, int height)
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "interlaced.png");
        File.WriteAllBytes(path, PngWriter.Write(width, height, interlaced: true, fill: 200));
        using var image = ImageDecoder.Decode(path);
        Assert.Equal(new long[] { 3, height, width }, image.shape);
        Assert.Equal(200, image[0, 0, 0].item<byte>());
    }

    [Fact]
    public void A_pipe_is_refused_without_being_opened()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TemporaryFolder();
        var fifo = Path.Combine(folder.Path, "images.png");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(fifo));   // opening it would wait for a writer
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 5);
        Assert.Contains("not a regular file", error.Message);
        var device = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode("/dev/zero"));   // endless bytes
        Assert.Contains("/dev/zero", device.Message);
    }

    [Fact]
    public void A_TIFF_in_a_variant_the_decoder_lacks_is_not_called_corrupt()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "cmyk.tif");
        File.WriteAllBytes(path, CmykTiff(2, 2));
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path));
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain("corrupt", error.Message);
        Assert.Contains("convert it", error.Message);
    }

    /// <summary>A valid, uncompressed CMYK TIFF (photometric interpretation 5, four 8-bit samples), as print workflows write them.</summary>
    static byte[] CmykTiff(int width, int height)
    {
        var entries = new (ushort Tag, ushort Type, uint Count, uint Value)[]
        {
            (256, 3, 1, (uint)width), (257, 3, 1, (uint)height), (258, 3, 4, 0 /* offset, below */), (259, 3, 1, 1), (262, 3, 1, 5),
            (273, 4, 1, 0 /* strip offset, below */), (277, 3, 1, 4), (278, 3, 1, (uint)height), (279, 4, 1, (uint)(width * height * 4)), (284, 3, 1, 1),
        };
        int ifd = 8, ifdBytes = 2 + entries.Length * 12 + 4, bits = ifd + ifdBytes, strip = bits + 8;
        var file = new byte[strip + width * height * 4];
        "II"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)ifd);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(ifd), (ushort)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            var (tag, type, count, value) = entries[i];
            value = tag == 258 ? (uint)bits : tag == 273 ? (uint)strip : value;
            int at = ifd + 2 + i * 12;
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 4), count);
            if (type == 3 && count == 1) BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at + 8), (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 8), value);
        }
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(bits + 2 * i), 8);
        for (int i = strip; i < file.Length; i++) file[i] = (byte)(i * 37);
        return file;
    }
}
