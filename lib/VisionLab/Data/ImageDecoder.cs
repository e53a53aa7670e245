using VisionLab.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>
/// Image files to tensors, for every reader of untrusted files (image folders, the predictor, preprocessing for
/// files): ImageSharp behind an integrity check and a pixel limit, with one clear error per way a file can be bad.
/// </summary>
public static class ImageDecoder
{
    /// <summary>The file extensions read as images.</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp", ".pbm", ".pgm", ".ppm" };

    /// <summary>
    /// The longest one decode may take before the file is refused as one the decoder cannot finish. Decoding a
    /// 40-megapixel photo takes seconds; ImageSharp 2.1 spins forever on some malformed files.
    /// </summary>
    public static TimeSpan TimeLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Decodes one image file to a uint8 [3, H, W] tensor, with clear errors for what cannot be read.</summary>
    public static Tensor Decode(string path, (int Height, int Width)? size = null, long maxPixels = 40_000_000, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image not found: {path}", path);
        // Pipes, devices and /proc files report no length, and opening a pipe waits for a writer: refused unopened.
        if (new FileInfo(path).Length == 0)
            throw new InvalidDataException($"{path} is empty, or not a regular file (a pipe or a device): not an image.");
        var pixels = BoundedWork.Run(() => DecodeUnbounded(path, size, maxPixels), TimeLimit,
            () => $"{path} could not be decoded: the decoder did not finish within {TimeLimit.TotalSeconds:F0} s (a malformed file). Re-save it with another program.",
            cancellationToken);
        return tensor(pixels.Bytes, new long[] { 3, pixels.Height, pixels.Width }, ScalarType.Byte);
    }

    /// <summary>The decode itself, on a thread of <see cref="BoundedWork"/> (no tensors here: those belong to the caller's thread and dispose scope).</summary>
    static (byte[] Bytes, int Height, int Width) DecodeUnbounded(string path, (int Height, int Width)? size, long maxPixels)
    {
        // Before ImageSharp: it decodes some truncated files without complaint, and fails on others with vaguer words.
        if (ImageFileIntegrity.Problem(path) is { } problem)
            throw new InvalidDataException($"{path} could not be decoded: {problem}.");
        IImageInfo? info;
        try { info = SixLabors.ImageSharp.Image.Identify(path); }
        catch (Exception e) when (IsDamage(e))
        {
            throw new InvalidDataException($"{path} is not a readable image ({Reason(e)}).", e);
        }
        if (info is null) throw new InvalidDataException($"{path} is not an image in a format ImageSharp reads (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM).");
        if ((long)info.Width * info.Height > maxPixels)
            throw new ImageTooLargeException($"{path} is {info.Width}x{info.Height} pixels, above the limit of {maxPixels:N0}: downscale it first or raise the limit (maxPixels; `predict --max-pixels`).");
        Image<Rgb24> image;
        try { image = SixLabors.ImageSharp.Image.Load<Rgb24>(path); }
        catch (NotSupportedException e)
        {
            // A valid file in a variant the decoder lacks (a CMYK or 16-bit-float TIFF): not damage.
            throw new InvalidDataException($"{path} uses an image variant ImageSharp 2.1 cannot decode ({e.Message.TrimEnd('.')}): convert it to an 8-bit RGB PNG or JPEG.", e);
        }
        catch (Exception e) when (IsDamage(e))
        {
            throw new InvalidDataException($"{path} could not be decoded; the file is corrupt or truncated ({Reason(e)}).", e);
        }
        using (image)
        {
            if (size is { } s && (image.Height != s.Height || image.Width != s.Width))
                image.Mutate(c => c.Resize(s.Width, s.Height));
            var pixels = new byte[3 * image.Height * image.Width];
            int plane = image.Height * image.Width;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                    {
                        int at = y * row.Length + x;
                        pixels[at] = row[x].R;
                        pixels[plane + at] = row[x].G;
                        pixels[2 * plane + at] = row[x].B;
                    }
                }
            });
            return (pixels, image.Height, image.Width);
        }
    }

    /// <summary>
    /// Whether a decoder's exception means the file's content is damaged. ImageSharp 2.1's decoders fail on damaged
    /// files with whatever the damage leads to, not only ImageFormatException: NullReference, DivideByZero,
    /// ArgumentOutOfRange, InvalidOperation, NotSupported (found by tests/VisionLab.Tests/Fuzz). Failing to read the
    /// file (other I/O errors, access denied) and running out of memory are not about its content and pass through.
    /// </summary>
    static bool IsDamage(Exception e) =>
        e is not (OutOfMemoryException or UnauthorizedAccessException) && (e is not IOException || e is EndOfStreamException);

    static string Reason(Exception e) =>
        e is ImageFormatException or InvalidImageContentException or NotSupportedException ? e.Message : $"the decoder failed with {e.GetType().Name}: {e.Message}";
}
