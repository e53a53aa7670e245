using TorchSharp;
using static TorchSharp.torch;

namespace VisionLab.Models;

/// <summary>
/// PyTorch's nn.init.trunc_normal_ (inverse-CDF sampling). TorchSharp 0.107's init.trunc_normal_ multiplies by the
/// mean and adds the standard deviation (and drops the √2), so with mean 0 it fills a constant std.
/// </summary>
public static class TruncatedNormal
{
    public static Tensor Fill_(Tensor tensor, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0)
    {
        if (std <= 0) throw new ArgumentOutOfRangeException(nameof(std), "The standard deviation must be positive.");
        if (a >= b) throw new ArgumentException($"The truncation interval [{a}, {b}] is empty.");
        static double NormalCdf(double x) => (1 + Erf(x / Math.Sqrt(2))) / 2;
        double lower = NormalCdf((a - mean) / std), upper = NormalCdf((b - mean) / std);
        using var noGrad = no_grad();
        tensor.uniform_(2 * lower - 1, 2 * upper - 1);
        tensor.erfinv_();
        tensor.mul_(std * Math.Sqrt(2));
        tensor.add_(mean);
        tensor.clamp_(a, b);
        return tensor;
    }

    static double Erf(double x)
    {
        using var value = torch.tensor(x, ScalarType.Float64);
        using var result = value.erf();
        return result.item<double>();
    }
}
