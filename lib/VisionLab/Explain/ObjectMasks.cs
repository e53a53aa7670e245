using static TorchSharp.torch;

namespace VisionLab.Explain;

/// <summary>
/// How well an explanation map [B, grid, grid] (attention, rollout, Grad-CAM) falls on the object, given the
/// object's masks [B, H, W] at image resolution (the synthetic datasets know them). One place for these metrics:
/// the attention chapter, Grad-CAM and their tests all judge maps the same way, per grid cell.
/// </summary>
public static class ObjectMasks
{
    /// <summary>
    /// The share of each map's mass on the object: on the patches that contain any object pixel (a patch is the
    /// map's smallest unit, so a partly covered patch counts). Maps are [B, grid, grid], masks [B, H, W] at image
    /// resolution. Returns one fraction per image.
    /// </summary>
    public static double[] MassOnObject(Tensor maps, Tensor masks)
    {
        CheckBatch(maps, masks);
        using var scope = NewDisposeScope();
        var onObject = ObjectPatches(masks.to(maps.device), maps.shape[^1]).to(ScalarType.Float32).flatten(1);   // masks often stay on the CPU
        var mass = maps.to(ScalarType.Float32).flatten(1);
        var inside = (mass * onObject).sum(1) / mass.sum(1).clamp_min(1e-12);
        return inside.to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>Whether each map's highest patch contains part of the object.</summary>
    public static bool[] PeakOnObject(Tensor maps, Tensor masks)
    {
        CheckBatch(maps, masks);
        using var scope = NewDisposeScope();
        var onObject = ObjectPatches(masks.to(maps.device), maps.shape[^1]).flatten(1);
        var peaks = maps.flatten(1).argmax(1, keepdim: true);
        return onObject.gather(1, peaks).squeeze(1).cpu().data<bool>().ToArray();
    }

    /// <summary>The patches of a grid x grid map that contain any object pixel: bool [B, grid, grid].</summary>
    public static Tensor ObjectPatches(Tensor masks, long gridSize)
    {
        if (masks.dim() != 3) throw new ArgumentException($"Masks must be [B, H, W]; got [{string.Join(", ", masks.shape)}].");
        using var scope = NewDisposeScope();
        var covered = nn.functional.adaptive_max_pool2d(masks.to(ScalarType.Float32).unsqueeze(1), [gridSize, gridSize]).squeeze(1).gt(0);
        return covered.MoveToOuterDisposeScope();
    }

    static void CheckBatch(Tensor maps, Tensor masks)
    {
        if (maps.dim() != 3 || masks.dim() != 3 || maps.shape[0] != masks.shape[0])
            throw new ArgumentException($"Need maps [B, grid, grid] and masks [B, H, W] for the same images; got [{string.Join(", ", maps.shape)}] and [{string.Join(", ", masks.shape)}].");
    }
}
