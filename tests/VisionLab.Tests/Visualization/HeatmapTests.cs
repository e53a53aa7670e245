using VisionLab.Visualization;
using static TorchSharp.torch;

namespace VisionLab.Tests.Visualization;

public sealed class HeatmapTests
{
    [Fact]
    public void Upsampled_maps_span_zero_to_one_and_keep_the_hot_spot()
    {
        using var scope = NewDisposeScope();
        var map = zeros(4, 4);
        map[3, 0] = tensor(2f);
        var up = Heatmap.Upsample(map, 32, 32);
        Assert.Equal(new long[] { 32, 32 }, up.shape);
        Assert.Equal(0f, up.min().item<float>());
        Assert.Equal(1f, up.max().item<float>());
        var hottest = up.argmax().item<long>();
        Assert.True(hottest / 32 >= 24 && hottest % 32 < 8, "the hot spot stays bottom-left");
        Assert.Equal(0f, Heatmap.Upsample(ones(4, 4), 8, 8).max().item<float>());   // a flat map has no hot spot
    }

    [Fact]
    public void Colours_run_from_blue_to_red_and_overlays_blend()
    {
        using var scope = NewDisposeScope();
        var colours = Heatmap.Colorize(tensor(new[] { 0f, 1f }).view(1, 2));
        Assert.True(colours[2, 0, 0].item<float>() > 0.4 && colours[0, 0, 0].item<float>() == 0, "0 is blue");
        Assert.True(colours[0, 0, 1].item<float>() > 0.4 && colours[2, 0, 1].item<float>() == 0, "1 is red");
        var image = full(1, 8, 8, 255, dtype: ScalarType.Byte);
        var overlay = Heatmap.Overlay(image, zeros(2, 2), alpha: 0.5);
        Assert.Equal(new long[] { 3, 8, 8 }, overlay.shape);
        Assert.True(overlay.max().item<float>() <= 1 && overlay.min().item<float>() >= 0);
        Assert.Throws<ArgumentException>(() => Heatmap.Overlay(zeros(2, 8, 8), zeros(2, 2)));
        Assert.Contains("<img", Heatmap.Row(("image", image), ("map", zeros(2, 2))).Value);
    }
}
