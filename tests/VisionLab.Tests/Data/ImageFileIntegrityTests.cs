using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Data;

namespace VisionLab.Tests.Data;

/// <summary>Issue 18, case 7: images cut short are refused, not decoded as if whole (ImageSharp 2.1 fills the rest).</summary>
public sealed class ImageFileIntegrityTests
{
    static byte[] Encode(Action<Image<Rgb24>, Stream> save)
    {
        using var image = new Image<Rgb24>(64, 48);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 64; x++) image[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 5), (byte)(x ^ y));
        using var stream = new MemoryStream();
        save(image, stream);
        return stream.ToArray();
    }

    public static TheoryData<string> Formats() => ["png", "jpg", "gif"];

    static byte[] Whole(string format) => format switch
    {
        "png" => Encode((i, s) => i.SaveAsPng(s)),
        "jpg" => Encode((i, s) => i.SaveAsJpeg(s)),
        _ => Encode((i, s) => i.SaveAsGif(s)),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Whole_files_pass_and_the_same_file_cut_in_half_is_refused_by_name(string format)
    {
        using var folder = new TemporaryFolder();
        var whole = Path.Combine(folder.Path, "whole." + format);
        var bytes = Whole(format);
        File.WriteAllBytes(whole, bytes);
        Assert.Null(ImageFileIntegrity.Problem(whole));
        using (var decoded = ImageDecoder.Decode(whole)) Assert.Equal(new long[] { 3, 48, 64 }, decoded.shape);

        var half = Path.Combine(folder.Path, "half." + format);
        File.WriteAllBytes(half, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(half));
        Assert.Contains(half, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void A_tiny_png_that_claims_6000x6000_pixels_is_refused()
    {
        // 8-byte signature, IHDR (6000x6000, 8-bit RGB), an IDAT of a few bytes, IEND: well under 100 bytes.
        using var folder = new TemporaryFolder();
        var forged = Path.Combine(folder.Path, "forged.png");
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, 6000);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 6000);
        header[8] = 8; header[9] = 2;
        Chunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(new byte[16]);
            Chunk(file, "IDAT", compressed.ToArray());
        }
        Chunk(file, "IEND", []);
        File.WriteAllBytes(forged, file.ToArray());
        Assert.True(file.Length < 100);
        var error = Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(forged));
        Assert.Contains("6000x6000", error.Message);
    }

    static void Chunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        stream.Write(length);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(type));
        stream.Write(data);
        stream.Write(new byte[4]);   // CRC: not checked by the integrity check
    }

    [Fact]
    public void The_size_limit_message_names_the_option_that_raises_it()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "big.png");
        File.WriteAllBytes(path, Encode((i, s) => i.SaveAsPng(s)));
        var error = Assert.Throws<ImageTooLargeException>(() => ImageDecoder.Decode(path, maxPixels: 100));
        Assert.Contains("--max-pixels", error.Message);
    }
}
