using TorchSharp;
using TorchSharp.Modules;
using VisionLab.Training;
using static TorchSharp.torch;

namespace VisionLab.Tests.Training;

public sealed class GradScalerTests
{
    static Parameter WithGrad(params float[] grad)
    {
        var p = new Parameter(zeros(grad.Length));
        p.sum().backward(); // creates p.grad
        using var noGrad = no_grad();
        p.grad!.copy_(tensor(grad));
        return p;
    }

    [Fact]
    public void Scales_the_loss_and_unscales_gradients()
    {
        using var scope = NewDisposeScope();
        var scaler = new GradScaler(enabled: true, initialScale: 1024);
        Assert.Equal(2048f, scaler.ScaleLoss(tensor(2f)).item<float>());
        var p = WithGrad(1024f, -2048f);
        scaler.Unscale([p]);
        Assert.Equal(new[] { 1f, -2f }, p.grad!.data<float>().ToArray());
        Assert.False(scaler.FoundInfinite);
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    public void An_infinite_or_NaN_gradient_skips_the_step_and_halves_the_scale(float bad)
    {
        using var scope = NewDisposeScope();
        var scaler = new GradScaler(enabled: true, initialScale: 1024);
        scaler.Unscale([WithGrad(1f, 2f), WithGrad(3f, bad)]);
        Assert.True(scaler.FoundInfinite);
        bool stepped = false;
        Assert.False(scaler.Step(() => stepped = true));
        Assert.False(stepped);
        scaler.Update();
        Assert.Equal(512, scaler.Scale);
        Assert.Equal(1, scaler.SkippedSteps);
    }

    [Fact]
    public void The_scale_grows_after_the_growth_interval_of_clean_steps()
    {
        using var scope = NewDisposeScope();
        var scaler = new GradScaler(enabled: true, initialScale: 8, growthInterval: 3);
        var p = WithGrad(1f);
        for (int i = 0; i < 3; i++)
        {
            scaler.Unscale([p]);
            Assert.True(scaler.Step(() => { }));
            scaler.Update();
        }
        Assert.Equal(16, scaler.Scale);
        Assert.Equal(0, scaler.GrowthTracker);
    }

    [Fact]
    public void Opposite_infinities_in_one_gradient_are_found()
    {
        // The check sums each gradient: +inf and -inf must not cancel into something finite.
        using var scope = NewDisposeScope();
        var scaler = new GradScaler(enabled: true);
        scaler.Unscale([WithGrad(float.PositiveInfinity, float.NegativeInfinity, 1f)]);
        Assert.True(scaler.FoundInfinite);
        scaler.Unscale([WithGrad(1f, -1f)]);
        Assert.False(scaler.FoundInfinite);
    }

    [Fact]
    public void Disabled_it_passes_through_without_reading_anything_back()
    {
        // fp32 and bf16 steps must not synchronise with the device here (issue 17); a NaN gradient then shows as a
        // non-finite loss or weight when the trainer reads its metrics back, and stops training as divergence.
        using var scope = NewDisposeScope();
        var scaler = new GradScaler(enabled: false);
        Assert.Equal(3f, scaler.ScaleLoss(tensor(3f)).item<float>());
        Assert.False(scaler.Unscale([WithGrad(float.NaN)]));
        Assert.True(scaler.Step(() => { }));
        scaler.Update();
        Assert.Equal(1, scaler.Scale);
    }
}
