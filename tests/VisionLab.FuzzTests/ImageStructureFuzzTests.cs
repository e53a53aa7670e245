using CsCheck;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.PixelFormats;
using VisionLab.Core;
using VisionLab.Data;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// Issue 35: structure-aware image files, the shapes byte mutations rarely reach: every PNG colour type and bit depth
/// (valid or not), interlaced or not, at tiny and degenerate sizes (0 to 20 pixels a side, long thin strips); JPEG,
/// GIF (interlaced too) and TIFF (each compression and bit depth) at the same sizes. Each decode must give a tensor
/// or the documented error within the runner's time bound: a tiny interlaced PNG that spun ImageSharp 2.1 forever is
/// what these would have found.
/// </summary>
[Collection(GarbageCollectingTests.Name)]
public sealed class ImageStructureFuzzTests
{
    static readonly int[] BitDepths = [1, 2, 4, 8, 16];
    static readonly int[] ColorTypes = [0, 2, 3, 4, 6];

    /// <summary>Sizes that break assumptions: 0, 1, just under and over the Adam7 block (8), strips, and a few ordinary ones.</summary>
    static readonly Gen<int> Side = Gen.OneOf(Gen.Int[0, 9], Gen.Int[10, 20], Gen.Const(1), Gen.Const(4), Gen.Const(5), Gen.Const(8), Gen.Const(64));

    static Gen<FuzzInput> Pngs => Gen.Select(Gen.Select(Side, Side, (w, h) => (w, h)), Gen.Bool, Gen.OneOf(BitDepths), Gen.OneOf(ColorTypes), Gen.Byte,
        (size, interlaced, depth, type, fill) => (size.w, size.h, interlaced, depth, type, fill))
        .Select(c => c switch { var (w, h, interlaced, depth, type, fill) => new FuzzInput($"png {w}x{h} depth {depth} type {type}{(interlaced ? " interlaced" : "")}",
            PngWriter.Write(w, h, interlaced, depth, type, fill)) });

    static byte[] Encode(int width, int height, Action<Image<Rgb24>, Stream> save)
    {
        using var image = new Image<Rgb24>(Math.Max(1, width), Math.Max(1, height));
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                image[x, y] = new Rgb24((byte)(x * 37), (byte)(y * 53), (byte)((x ^ y) * 11));
        var stream = new MemoryStream();
        save(image, stream);
        return stream.ToArray();
    }

    static Gen<FuzzInput> Jpegs => Gen.Select(Side, Side, Gen.Int[1, 100], Gen.OneOf(JpegColorType.YCbCrRatio420, JpegColorType.YCbCrRatio444, JpegColorType.Luminance, JpegColorType.Rgb),
        (w, h, quality, colour) => new FuzzInput($"jpeg {w}x{h} q{quality} {colour}",
            Encode(w, h, (i, s) => i.SaveAsJpeg(s, new JpegEncoder { Quality = quality, ColorType = colour }))));

    /// <summary>GIFs, with the image descriptor's interlace flag set on some: GIF's own four-pass interlacing at tiny sizes.</summary>
    static Gen<FuzzInput> Gifs => Gen.Select(Side, Side, Gen.Bool, (w, h, interlaced) =>
    {
        var gif = Encode(w, h, (i, s) => i.SaveAsGif(s, new GifEncoder()));
        if (interlaced)
            for (int at = 13; at + 9 < gif.Length; at++)
                if (gif[at] == 0x2C) { gif[at + 9] |= 0x40; break; }   // the first image descriptor's packed field
        return new FuzzInput($"gif {w}x{h}{(interlaced ? " interlaced" : "")}", gif);
    });

    static Gen<FuzzInput> Tiffs => Gen.Select(Side, Side,
            Gen.OneOf(TiffCompression.None, TiffCompression.Deflate, TiffCompression.Lzw, TiffCompression.PackBits),
            Gen.OneOf(TiffBitsPerPixel.Bit1, TiffBitsPerPixel.Bit4, TiffBitsPerPixel.Bit8, TiffBitsPerPixel.Bit24),
        (w, h, compression, bits) => new FuzzInput($"tiff {w}x{h} {compression} {bits}",
            Encode(w, h, (i, s) => i.SaveAsTiff(s, new TiffEncoder { Compression = compression, BitsPerPixel = bits }))));

    [Fact]
    public void Structured_images_decode_or_give_the_documented_error_in_time()
    {
        using var folder = new TemporaryFolder();
        long liveBefore = LiveTensors.Count();
        static bool Documented(Exception e) => e is InvalidDataException or ImageTooLargeException or WorkTimedOutException;
        var limits = new FuzzRunner.Limits(TimeSpan.FromSeconds(20), AllocationAllowance: 64 << 20, AllocationPerInputByte: 64);
        Action<byte[]> Decoder(string extension)
        {
            var path = Path.Combine(folder.Path, "case." + extension);
            return bytes =>
            {
                File.WriteAllBytes(path, bytes);
                using var image = ImageDecoder.Decode(path, maxPixels: 1_000_000);
                if (image.dim() != 3 || image.shape[0] != 3) throw new FuzzInvariantException($"decoded to [{string.Join(", ", image.shape)}]");
            };
        }
        var tallies = new List<FuzzTally>();
        foreach (var (name, gen, extension, cases, seed) in new[]
        {
            ("png", Pngs, "png", 1200, 35_001UL), ("jpeg", Jpegs, "jpg", 150, 35_002UL), ("gif", Gifs, "gif", 250, 35_003UL), ("tiff", Tiffs, "tif", 200, 35_004UL),
        })
        {
            var tally = new FuzzTally($"images, structured {name} (ImageDecoder.Decode)");
            tallies.Add(tally);
            FuzzRunner.Run(tally, "structured", gen, seed, FuzzRunner.Cases(cases), Decoder(extension), Documented, limits);
        }
        FuzzRunner.Print(tallies);
        var (leaked, seen) = LiveTensors.ExcessOver(liveBefore);
        Assert.True(leaked <= 0, $"{leaked} tensor(s) left alive (counts seen: {string.Join(", ", seen)})");
        FuzzRunner.Check(tallies, known: []);
    }

    [Fact]
    public void Every_interlaced_PNG_too_narrow_for_ImageSharp_is_refused_and_every_other_size_decodes()
    {
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "case.png");
        for (int width = 1; width <= 12; width++)
            for (int height = 1; height <= 12; height++)
            {
                File.WriteAllBytes(path, PngWriter.Write(width, height, interlaced: true, fill: 7));
                if (width < ImageFileIntegrity.MinInterlacedWidth)
                    Assert.Contains("interlaced", Assert.Throws<InvalidDataException>(() => ImageDecoder.Decode(path)).Message);
                else
                {
                    using var image = ImageDecoder.Decode(path);
                    Assert.Equal(new long[] { 3, height, width }, image.shape);
                }
            }
    }
}
