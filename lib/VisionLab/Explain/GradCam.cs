using TorchSharp;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Explain;

/// <summary>Which weighting of the activation maps: Grad-CAM (Selvaraju et al. 2017) or Grad-CAM++ (Chattopadhay et al. 2018).</summary>
public enum CamMethod { GradCam, GradCamPlusPlus }

/// <summary>
/// Grad-CAM for any layer of a model whose output is a feature map [B, C, H, W], or the tokens [B, T, E] of a
/// transformer block (reshaped to the patch grid, the class token dropped). The layer's output is captured by a
/// forward hook that neither changes nor keeps it beyond the call, the gradient comes from autograd.grad (so the
/// model's own .grad fields are left untouched), and the hook is removed even when the forward pass throws.
/// CAM = ReLU(Σ_k w_k A_k), with w_k = mean over the map of ∂y_c/∂A_k (Grad-CAM) or the Grad-CAM++ weights;
/// maps are scaled to [0, 1] per image, and a map that is zero everywhere stays zero (no division by zero).
/// </summary>
public static class GradCam
{
    /// <summary>
    /// Class activation maps [B, h, w] for <paramref name="images"/>; <paramref name="classes"/> picks the class per
    /// image (null: the predicted one). The model runs in eval mode and is put back in the mode it was in. The images
    /// go to the model's device and type (<see cref="ModelPlacement"/>); the maps are computed in fp32 and come back,
    /// with the logits, as fp32 on the images' device.
    /// </summary>
    public static CamResult Compute(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> layer, Tensor images, long[]? classes = null,
        CamMethod method = CamMethod.GradCam, bool normalize = true)
    {
        if (classes is not null && classes.Length != images.shape[0])
            throw new ArgumentException($"{classes.Length} target classes for {images.shape[0]} images.");
        bool wasTraining = model.training;
        model.eval();
        Tensor? captured = null;
        var hook = layer.register_forward_hook((_, _, output) =>
        {
            // Keep the very tensor the model goes on with (autograd needs it), out of the model's dispose scope, which
            // would free it when the forward pass returns; it is disposed below.
            captured = output.DetachFromDisposeScope();
            return output;    // unchanged: the model computes exactly what it would without the hook
        });
        try
        {
            using var scope = NewDisposeScope();
            using var enableGrad = enable_grad();
            var input = ModelPlacement.Of(model).Place(images.detach()).requires_grad_(false);
            var logits = model.call(input);
            if (captured is null)
                throw new ArgumentException("The layer was not called during the forward pass: pass a sub-module the model invokes through call(...).");
            var targets = classes is null ? logits.argmax(1) : tensor(classes, device: logits.device);
            if (targets.lt(0).any().item<bool>() || targets.ge(logits.shape[1]).any().item<bool>())
                throw new ArgumentOutOfRangeException(nameof(classes), $"Target classes must be between 0 and {logits.shape[1] - 1}.");
            var score = logits.gather(1, targets.unsqueeze(1)).sum();
            var activations = captured;
            var gradients = torch.autograd.grad([score], [activations])[0];
            (activations, gradients) = (ToMaps(activations.detach()).to(ScalarType.Float32), ToMaps(gradients).to(ScalarType.Float32));
            var weights = method == CamMethod.GradCam ? gradients.mean([2, 3], keepdim: true) : PlusPlusWeights(activations, gradients);
            var cam = nn.functional.relu((weights * activations).sum(1));                        // [B, h, w]
            var raw = cam.clone();
            if (normalize)
            {
                var max = cam.flatten(1).max(1).values.view(-1, 1, 1);
                cam = torch.where(max > 0, cam / max.clamp_min(1e-12), zeros_like(cam));          // all-zero maps stay zero
            }
            return new CamResult(cam.detach().to(images.device).MoveToOuterDisposeScope(), raw.detach().to(images.device).MoveToOuterDisposeScope(),
                targets.cpu().data<long>().ToArray(), logits.detach().to(ScalarType.Float32, images.device).MoveToOuterDisposeScope());
        }
        finally
        {
            hook.remove();
            captured?.Dispose();
            model.train(wasTraining);
        }
    }

    /// <summary>A sub-module by its state-dict name ("layer3", "layer2.1", "transformer.layers.5"), for <see cref="Compute"/>.</summary>
    public static nn.Module<Tensor, Tensor> FindLayer(nn.Module model, string name)
    {
        var modules = model.named_modules().ToList();
        var found = modules.FirstOrDefault(m => m.name == name).module;
        return found as nn.Module<Tensor, Tensor> ?? throw new ArgumentException(
            $"No layer '{name}' with one tensor in and out. Layers: {string.Join(", ", modules.Where(m => m.name.Length > 0 && m.module is nn.Module<Tensor, Tensor>).Select(m => m.name).Take(40))}.");
    }

    /// <summary>Feature maps stay [B, C, H, W]; transformer tokens [B, T, E] become [B, E, g, g] (a leading class token is dropped).</summary>
    static Tensor ToMaps(Tensor output)
    {
        if (output.dim() == 4) return output;
        if (output.dim() != 3)
            throw new ArgumentException($"Grad-CAM needs a layer that outputs feature maps [B, C, H, W] or tokens [B, T, E]; this one gives [{string.Join(", ", output.shape)}].");
        long tokens = output.shape[1];
        long grid = (long)Math.Round(Math.Sqrt(tokens));
        if (grid * grid != tokens)
        {
            grid = (long)Math.Round(Math.Sqrt(tokens - 1));
            if (grid * grid != tokens - 1) throw new ArgumentException($"{tokens} tokens do not form a square grid (with or without a class token).");
            output = output[.., 1..];
        }
        return output.transpose(1, 2).reshape(output.shape[0], output.shape[2], grid, grid);
    }

    /// <summary>Grad-CAM++: α = g² / (2g² + Σ A g³), w_k = Σ α ReLU(g) (exponential-score form, as in the paper's code).</summary>
    static Tensor PlusPlusWeights(Tensor activations, Tensor gradients)
    {
        var g2 = gradients.pow(2);
        var g3 = gradients.pow(3);
        var denominator = 2 * g2 + (activations.sum([2, 3], keepdim: true) * g3);
        var alpha = g2 / torch.where(denominator.ne(0), denominator, ones_like(denominator));
        return (alpha * nn.functional.relu(gradients)).sum([2, 3], keepdim: true);
    }
}

/// <summary>Class activation maps [B, h, w] (scaled to [0, 1] unless asked otherwise), the unscaled maps, the target class per image and the logits.</summary>
public sealed record CamResult(Tensor Maps, Tensor RawMaps, long[] Classes, Tensor Logits) : IDisposable
{
    public void Dispose()
    {
        Maps.Dispose();
        RawMaps.Dispose();
        Logits.Dispose();
    }
}
