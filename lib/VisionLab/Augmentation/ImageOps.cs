using TorchSharp;
using static TorchSharp.torch;
using TF = TorchSharp.torchvision.transforms.functional;

namespace VisionLab.Augmentation;

/// <summary>
/// The image operations behind the transforms, with torchvision's tensor semantics (checked against
/// golden values from torchvision 0.14). Images are [C, H, W] (or [N, C, H, W]), uint8 or float in [0, 1].
/// TorchSharp's TorchVision functions are used where they match torchvision; geometry is ours, because
/// TorchVision's affine has no centre argument (AutoAugment's shears need one).
/// </summary>
public static class ImageOps
{
    public static Tensor Crop(Tensor image, int top, int left, int height, int width) => TF.crop(image, top, left, height, width);

    public static Tensor Pad(Tensor image, int padding, double fill = 0) => TF.pad(image, new long[] { padding, padding, padding, padding }, fill);

    public static Tensor HorizontalFlip(Tensor image) => image.flip(-1);

    /// <summary>uint8 [0, 255] to float32 [0, 1] (torchvision's ToTensor / convert_image_dtype).</summary>
    public static Tensor ToFloat(Tensor image) => image.dtype == ScalarType.Byte ? image.to(ScalarType.Float32).div_(ByteRange) : image.to(ScalarType.Float32);

    // One Scalar for every image: an implicit `255f` made a native Scalar per image that only the finalizer freed
    // (TorchSharp 0.107's Scalar is not tracked by dispose scopes), and could free mid-call (docs/reliability.md, Known problems).
    static readonly Scalar ByteRange = 255f;

    public static Tensor Normalize(Tensor image, double[] mean, double[] std)
    {
        if (!image.is_floating_point()) throw new ArgumentException("Normalize needs a float image: apply ToTensor first.");
        var shape = new long[] { -1, 1, 1 };
        using var m = tensor(mean, ScalarType.Float32, image.device).view(shape);
        using var s = tensor(std, ScalarType.Float32, image.device).view(shape);
        return (image - m).div_(s);
    }

    /// <summary>Rotates counter-clockwise by <paramref name="degrees"/> about the centre; nearest neighbour, zero fill.</summary>
    public static Tensor Rotate(Tensor image, double degrees) =>
        Affine(image, InverseAffineMatrix((0, 0), -degrees, (0, 0), 1.0, (0, 0)));

    /// <summary>Translates by whole pixels (positive x right, positive y down); zero fill.</summary>
    public static Tensor Translate(Tensor image, int dx, int dy) =>
        Affine(image, InverseAffineMatrix((0, 0), 0, (dx, dy), 1.0, (0, 0)));

    /// <summary>AutoAugment's ShearX/ShearY: shear factor (tan of the angle) about the top-left corner.</summary>
    public static Tensor Shear(Tensor image, double shearX, double shearY)
    {
        double width = image.shape[^1], height = image.shape[^2];
        var center = (-0.5 * width, -0.5 * height); // torchvision's center=[0, 0], relative to the image centre
        return Affine(image, InverseAffineMatrix(center, 0, (0, 0), 1.0,
            (Math.Atan(shearX) * 180 / Math.PI, Math.Atan(shearY) * 180 / Math.PI)));
    }

    /// <summary>torchvision's _get_inverse_affine_matrix (angles in degrees, centre relative to the image centre).</summary>
    public static double[] InverseAffineMatrix((double X, double Y) center, double angle, (double X, double Y) translate, double scale, (double X, double Y) shear)
    {
        double rot = angle * Math.PI / 180, sx = shear.X * Math.PI / 180, sy = shear.Y * Math.PI / 180;
        double a = Math.Cos(rot - sy) / Math.Cos(sy);
        double b = -Math.Cos(rot - sy) * Math.Tan(sx) / Math.Cos(sy) - Math.Sin(rot);
        double c = Math.Sin(rot - sy) / Math.Cos(sy);
        double d = -Math.Sin(rot - sy) * Math.Tan(sx) / Math.Cos(sy) + Math.Cos(rot);
        var m = new[] { d, -b, 0.0, -c, a, 0.0 }.Select(v => v / scale).ToArray();
        m[2] += m[0] * (-center.X - translate.X) + m[1] * (-center.Y - translate.Y);
        m[5] += m[3] * (-center.X - translate.X) + m[4] * (-center.Y - translate.Y);
        m[2] += center.X;
        m[5] += center.Y;
        return m;
    }

    /// <summary>Samples the image through an inverse affine matrix (torchvision's _gen_affine_grid + grid_sample, nearest, zeros).</summary>
    public static Tensor Affine(Tensor image, double[] inverseMatrix)
    {
        using var scope = NewDisposeScope();
        bool batched = image.dim() == 4;
        var input = batched ? image : image.unsqueeze(0);
        var dtype = input.dtype;
        int h = (int)input.shape[2], w = (int)input.shape[3];
        var theta = tensor(inverseMatrix.Select(v => (float)v).ToArray(), new long[] { 1, 2, 3 }, ScalarType.Float32, input.device);
        var xs = linspace(-w * 0.5 + 0.5, w * 0.5 + 0.5 - 1, w, ScalarType.Float32, input.device);
        var ys = linspace(-h * 0.5 + 0.5, h * 0.5 + 0.5 - 1, h, ScalarType.Float32, input.device);
        var baseGrid = stack(new[] { xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w), ones(h, w, device: input.device) }, -1);
        var rescaled = theta.transpose(1, 2) / tensor(new[] { 0.5f * w, 0.5f * h }, device: input.device);
        var grid = baseGrid.view(1, h * w, 3).bmm(rescaled).view(1, h, w, 2).expand(input.shape[0], h, w, 2);
        var output = nn.functional.grid_sample(input.to(ScalarType.Float32), grid, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: false);
        if (dtype != ScalarType.Float32) output = output.round().to(dtype);
        if (!batched) output = output.squeeze(0);
        return output.MoveToOuterDisposeScope();
    }

    public static Tensor Brightness(Tensor image, double factor) => TF.adjust_brightness(image, factor);

    /// <summary>Blends with the mean gray level (torchvision's adjust_contrast).</summary>
    public static Tensor Contrast(Tensor image, double factor)
    {
        using var scope = NewDisposeScope();
        var dtype = image.is_floating_point() ? image.dtype : ScalarType.Float32;
        var gray = image.shape[^3] == 3 ? Grayscale(image) : image;
        var mean = gray.to(dtype).mean(new long[] { -3, -2, -1 }, keepdim: true);
        return Blend(image, mean, factor).MoveToOuterDisposeScope();
    }

    /// <summary>Saturation ("Color" in AutoAugment); a grayscale image is returned unchanged, as in torchvision.</summary>
    public static Tensor Saturation(Tensor image, double factor)
    {
        if (image.shape[^3] == 1) return image.alias();
        using var gray = Grayscale(image);
        return Blend(image, gray, factor);
    }

    /// <summary>
    /// Rotates the hue by <paramref name="factor"/> of a full turn, in [-0.5, 0.5] (torchvision's adjust_hue, through
    /// HSV). Grayscale images are returned unchanged. TorchVision's adjust_hue silently skips unbatched images, so
    /// this adds the batch dimension it needs.
    /// </summary>
    public static Tensor Hue(Tensor image, double factor)
    {
        if (factor is < -0.5 or > 0.5) throw new ArgumentOutOfRangeException(nameof(factor), $"A hue shift is in [-0.5, 0.5]; got {factor}.");
        if (image.shape[^3] == 1 || factor == 0) return image.alias();
        using var scope = NewDisposeScope();
        bool batched = image.dim() == 4;
        var input = batched ? image : image.unsqueeze(0);
        var output = TF.adjust_hue(image.is_floating_point() ? input : input.to(ScalarType.Float32).div(ByteRange), factor);
        // Back to uint8 as torchvision 0.14 adjust_hue does: scale by 255 and truncate.
        if (!image.is_floating_point()) output = output.mul(ByteRange).to(image.dtype);
        if (!batched) output = output.squeeze(0);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Grayscale with the channel count kept: three equal channels for RGB (torchvision's RandomGrayscale).</summary>
    public static Tensor GrayscaleKeepChannels(Tensor image)
    {
        if (image.shape[^3] == 1) return image.alias();
        using var gray = Grayscale(image);
        return gray.expand(image.shape).contiguous();
    }

    /// <summary>Crops a box and resizes it to <paramref name="size"/> x <paramref name="size"/> with bilinear interpolation (torchvision's resized_crop).</summary>
    public static Tensor ResizedCrop(Tensor image, int top, int left, int height, int width, int size)
    {
        using var scope = NewDisposeScope();
        var crop = Crop(image, top, left, height, width);
        bool batched = image.dim() == 4;
        var input = (batched ? crop : crop.unsqueeze(0)).to(image.is_floating_point() ? image.dtype : ScalarType.Float32);
        // align_corners: false, as torchvision; saying so also keeps libtorch from warning on every call.
        var output = nn.functional.interpolate(input, new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false);
        if (!image.is_floating_point()) output = output.round().to(image.dtype);
        if (!batched) output = output.squeeze(0);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Gaussian blur with an odd square kernel and reflect padding (torchvision's gaussian_blur; TorchSharp's
    /// version gives different values, so this is a port).
    /// </summary>
    public static Tensor GaussianBlur(Tensor image, int kernelSize, double sigma)
    {
        if (kernelSize < 1 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"The blur kernel size must be odd and positive; got {kernelSize}.");
        if (sigma <= 0) throw new ArgumentOutOfRangeException(nameof(sigma), $"Sigma must be positive; got {sigma}.");
        using var scope = NewDisposeScope();
        var dtype = image.is_floating_point() ? image.dtype : ScalarType.Float32;
        int half = (kernelSize - 1) / 2;
        var x = linspace(-half, half, kernelSize, dtype: dtype, device: image.device);
        var pdf = x.div(sigma).pow(2).mul(-0.5).exp();
        var kernel1d = pdf.div(pdf.sum());
        long channels = image.shape[^3];
        var kernel = kernel1d.unsqueeze(1).mm(kernel1d.unsqueeze(0)).expand(channels, 1, kernelSize, kernelSize);
        bool batched = image.dim() == 4;
        var input = (batched ? image : image.unsqueeze(0)).to(dtype);
        var padded = nn.functional.pad(input, new long[] { half, half, half, half }, PaddingModes.Reflect);
        var output = nn.functional.conv2d(padded, kernel, groups: channels);
        if (!image.is_floating_point()) output = output.round().to(image.dtype);
        if (!batched) output = output.squeeze(0);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>ITU-R 601 luma, truncated to the input's type, as torchvision's rgb_to_grayscale: [..., 1, H, W].</summary>
    public static Tensor Grayscale(Tensor image)
    {
        using var scope = NewDisposeScope();
        var channels = image.unbind(-3);
        var luma = (channels[0] * 0.2989 + channels[1] * 0.587 + channels[2] * 0.114).to(image.dtype);
        return luma.unsqueeze(-3).MoveToOuterDisposeScope();
    }

    /// <summary>ratio * a + (1 - ratio) * b, clamped to the type's range (torchvision's _blend).</summary>
    static Tensor Blend(Tensor a, Tensor b, double ratio)
    {
        using var scope = NewDisposeScope();
        double bound = a.is_floating_point() ? 1.0 : 255.0;
        return (a * ratio + b * (1.0 - ratio)).clamp(0, bound).to(a.dtype).MoveToOuterDisposeScope();
    }

    public static Tensor Sharpness(Tensor image, double factor) => TF.adjust_sharpness(image, factor);

    /// <summary>Histogram equalization per channel of a uint8 image (torchvision's equalize).</summary>
    public static Tensor Equalize(Tensor image)
    {
        if (image.dtype != ScalarType.Byte) throw new ArgumentException("Equalize needs a uint8 image (apply it before ToTensor).");
        using var scope = NewDisposeScope();
        var flat = image.reshape(-1, image.shape[^2], image.shape[^1]);
        var channels = Enumerable.Range(0, (int)flat.shape[0]).Select(c => EqualizeChannel(flat[c])).ToArray();
        return stack(channels).reshape(image.shape).MoveToOuterDisposeScope();
    }

    static Tensor EqualizeChannel(Tensor channel)
    {
        var hist = channel.reshape(-1).to(ScalarType.Int64).bincount(null, 256);
        var nonzero = hist[hist.ne(0)];
        long step = nonzero.numel() > 1 ? nonzero[TensorIndex.Slice(null, -1)].sum().item<long>() / 255 : 0;
        if (step == 0) return channel.clone();
        var lut = (hist.cumsum(0) + step / 2).div(step, RoundingMode.floor);
        lut = nn.functional.pad(lut, new long[] { 1, 0 })[TensorIndex.Slice(null, -1)].clamp(0, 255);
        return lut[channel.to(ScalarType.Int64)].to(ScalarType.Byte);
    }
    public static Tensor Posterize(Tensor image, int bits) => TF.posterize(image, bits);
    public static Tensor Solarize(Tensor image, double threshold) => TF.solarize(image, threshold);
    public static Tensor AutoContrast(Tensor image) => TF.autocontrast(image);
    public static Tensor Invert(Tensor image) => TF.invert(image);

    /// <summary>Sets a square of side <paramref name="size"/> centred at (y, x) to <paramref name="fill"/>, clipped at the borders.</summary>
    public static Tensor Cutout(Tensor image, int centerY, int centerX, int size, double fill = 0)
    {
        int h = (int)image.shape[^2], w = (int)image.shape[^1];
        int top = Math.Clamp(centerY - size / 2, 0, h), bottom = Math.Clamp(centerY - size / 2 + size, 0, h);
        int left = Math.Clamp(centerX - size / 2, 0, w), right = Math.Clamp(centerX - size / 2 + size, 0, w);
        var result = image.clone();
        if (bottom > top && right > left)
            result[TensorIndex.Ellipsis, TensorIndex.Slice(top, bottom), TensorIndex.Slice(left, right)] = tensor(fill, result.dtype);
        return result;
    }
}
