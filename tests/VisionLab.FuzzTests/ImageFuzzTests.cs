using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Core;
using VisionLab.Data;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// <see cref="ImageDecoder.Decode"/> (ImageSharp, after <see cref="ImageFileIntegrity"/>) on random and damaged
/// image files of every format the dataset lists: a [3, H, W] tensor, <see cref="InvalidDataException"/> or
/// <see cref="ImageTooLargeException"/>, within a time and allocation bound, and no tensor left alive.
/// </summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class ImageFuzzTests
{
    /// <summary>The pixel limit of the fuzz cases: keeps each decode small; the limit itself is part of what is tested.</summary>
    const long MaxPixels = 1_000_000;

    static byte[] Encode(Action<Image<Rgb24>, Stream> save)
    {
        using var image = new Image<Rgb24>(16, 12);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                image[x, y] = new Rgb24((byte)(x * 16), (byte)(y * 20), (byte)((x + y) * 9));
        var stream = new MemoryStream();
        save(image, stream);
        return stream.ToArray();
    }

    /// <summary>Offsets of a PNG's chunk lengths and types and of IHDR's fields.</summary>
    static List<int> PngFields(byte[] png)
    {
        var fields = new List<int>();
        for (int at = 8; at + 12 <= png.Length;)
        {
            fields.AddRange([at, at + 4]);
            if (png.AsSpan(at + 4, 4).SequenceEqual("IHDR"u8)) fields.AddRange([at + 8, at + 12, at + 16, at + 17, at + 18, at + 19, at + 20]);
            at += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
        }
        return fields;
    }

    /// <summary>Offsets of a JPEG's markers and segment lengths, and of the frame header's size and component fields.</summary>
    static List<int> JpegFields(byte[] jpeg)
    {
        var fields = new List<int>();
        for (int at = 0; at + 4 <= jpeg.Length; at++)
        {
            if (jpeg[at] != 0xFF || jpeg[at + 1] is 0x00 or 0xFF) continue;
            fields.AddRange([at + 1, at + 2]);
            if (jpeg[at + 1] is 0xC0 or 0xC1 or 0xC2 && at + 10 < jpeg.Length) fields.AddRange([at + 4, at + 5, at + 7, at + 9, at + 10]);
            if (jpeg[at + 1] is 0xDA or 0xC4 or 0xDB && at + 5 < jpeg.Length) fields.AddRange([at + 4, at + 5]);
        }
        return fields;
    }

    /// <summary>A GIF's screen size and flags, and its image descriptors and extensions.</summary>
    static List<int> GifFields(byte[] gif)
    {
        var fields = new List<int> { 6, 8, 10, 11, 12 };
        for (int at = 13; at < gif.Length; at++)
            if (gif[at] is 0x2C or 0x21) fields.AddRange(Enumerable.Range(at, 11).Where(f => f < gif.Length));
        return fields;
    }

    [Fact]
    public void Images_decode_or_give_InvalidDataException_or_ImageTooLargeException()
    {
        using var folder = new TemporaryFolder();
        var seeds = new (string Format, byte[] Bytes, List<int> Fields)[]
        {
            ("png", Encode((i, s) => i.SaveAsPng(s)), []),
            ("jpg", Encode((i, s) => i.SaveAsJpeg(s)), []),
            ("gif", Encode((i, s) => i.SaveAsGif(s)), []),
            ("bmp", Encode((i, s) => i.SaveAsBmp(s)), [2, 10, 14, 18, 22, 26, 28, 30, 34, 46]),
            ("tga", Encode((i, s) => i.SaveAsTga(s)), [0, 1, 2, 3, 5, 7, 12, 14, 16, 17]),
            ("tiff", Encode((i, s) => i.SaveAsTiff(s)), []),
            ("webp", Encode((i, s) => i.SaveAsWebp(s)), [4, 12, 16, 20, 24, 26, 28]),
            ("ppm", Encode((i, s) => i.SaveAsPbm(s)), []),
        };
        seeds[0].Fields.AddRange(PngFields(seeds[0].Bytes));
        seeds[1].Fields.AddRange(JpegFields(seeds[1].Bytes));
        seeds[2].Fields.AddRange(GifFields(seeds[2].Bytes));
        foreach (var (_, bytes, fields) in seeds)
            if (fields.Count == 0) fields.AddRange(Enumerable.Range(0, Math.Min(64, bytes.Length)));
        long liveBefore = LiveTensors.Count();

        static bool Documented(Exception e) => e is InvalidDataException or ImageTooLargeException;
        var limits = new FuzzRunner.Limits(TimeSpan.FromSeconds(20), AllocationAllowance: 128 << 20, AllocationPerInputByte: 64);
        Action<byte[]> Decoder(string extension)
        {
            var path = Path.Combine(folder.Path, "case." + extension);
            return bytes =>
            {
                File.WriteAllBytes(path, bytes);
                using var image = ImageDecoder.Decode(path, maxPixels: MaxPixels);
                if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] * image.shape[2] > MaxPixels)
                    throw new FuzzInvariantException($"decoded to [{string.Join(", ", image.shape)}]");
            };
        }
        var tallies = new List<FuzzTally>();
        var random = new FuzzTally("images, random bytes (ImageDecoder.Decode)");
        tallies.Add(random);
        byte[][] magics = [.. seeds.Select(s => s.Bytes[..Math.Min(s.Bytes.Length, s.Format == "tga" ? 18 : 8)]), [0xFF, 0xD8, 0xFF], "GIF89a"u8.ToArray(), "BM"u8.ToArray()];
        FuzzRunner.Run(random, "random", FuzzInputs.Random("image", magics), 18_040, FuzzRunner.Cases(300), Decoder("png"), Documented, limits);
        ulong seed = 18_041;
        foreach (var (format, bytes, fields) in seeds)
        {
            var tally = new FuzzTally($"images, {format} (ImageDecoder.Decode)");
            tallies.Add(tally);
            bool required = format is "png" or "jpg" or "gif";   // the brief's formats get more cases
            FuzzRunner.Run(tally, "mutated", FuzzInputs.Mutated(format, bytes, fields, headerLength: Math.Min(bytes.Length, 256)),
                ++seed, FuzzRunner.Cases(required ? 250 : 100), Decoder(format), Documented, limits);
            FuzzRunner.Run(tally, "truncated", FuzzInputs.Truncations(format, bytes).Where((_, i) => i % (required ? 2 : 6) == 0), Decoder(format), Documented, limits);
        }
        FuzzRunner.Print(tallies);
        var (leaked, seen) = LiveTensors.ExcessOver(liveBefore);
        Assert.True(leaked <= 0, $"{leaked} tensor(s) left alive (counts seen: {string.Join(", ", seen)})");
        FuzzRunner.Check(tallies, known: []);
    }

    [Fact]
    public void A_PNG_declaring_a_huge_size_is_refused_before_decoding()
    {
        using var folder = new TemporaryFolder();
        var png = Encode((i, s) => i.SaveAsPng(s));
        foreach (var (width, height) in new[] { (100_000u, 100_000u), (6000u, 6000u) })   // above and below the default limit
        {
            var forged = (byte[])png.Clone();
            BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(16), width);
            BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(20), height);
            BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(29), PngWriter.Crc32(forged.AsSpan(12, 17)));   // IHDR's type and data
            var path = Path.Combine(folder.Path, $"forged-{width}.png");
            File.WriteAllBytes(path, forged);
            long before = GC.GetAllocatedBytesForCurrentThread();
            // Refused by the size limit (40 megapixels by default) or by the integrity check (far too little image data).
            var error = Assert.ThrowsAny<Exception>(() => ImageDecoder.Decode(path));
            Assert.True(error is ImageTooLargeException or InvalidDataException, error.ToString());
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 8 << 20);
            Assert.Contains(path, error.Message);
        }
    }
}
