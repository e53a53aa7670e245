using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using VisionLab.Visualization;

namespace VisionLab.Tests.Visualization;

public sealed class TensorImageTests
{
    [Fact]
    public void A_colour_image_keeps_its_pixels()
    {
        using var scope = torch.NewDisposeScope();
        var red = torch.zeros(3, 4, 4);
        red[0] = torch.ones(4, 4);
        using var image = Image.Load<Rgb24>(TensorImage.ToPng(red, minSize: 4));
        Assert.Equal((4, 4), (image.Width, image.Height));
        Assert.Equal(new Rgb24(255, 0, 0), image[2, 2]);
    }

    [Fact]
    public void A_batch_becomes_a_grid_and_small_images_are_enlarged()
    {
        using var scope = torch.NewDisposeScope();
        var batch = torch.rand(10, 1, 28, 28);
        using var image = TensorImage.ToImage(batch, minSize: 56, columns: 5);
        // 5 columns x 2 rows of 28 px with 2 px gaps, then doubled.
        Assert.Equal((2 * (5 * 30 + 2), 2 * (2 * 30 + 2)), (image.Width, image.Height));
    }

    [Fact]
    public void Values_outside_the_unit_range_are_stretched()
    {
        using var scope = torch.NewDisposeScope();
        var ramp = torch.tensor(new float[] { -3, 0, 3, 9 }).view(1, 2, 2);
        using var image = TensorImage.ToImage(ramp, minSize: 2);
        Assert.Equal(new Rgb24(0, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), image[1, 1]);
    }

    [Fact]
    public void A_tensor_that_is_not_an_image_is_refused_with_its_shape()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => TensorImage.ToPng(torch.zeros(2, 5, 4, 4)));
        Assert.Contains("[2, 5, 4, 4]", error.Message);
    }

    [Fact]
    public void Rendering_leaves_no_tensor_alive()
    {
        using var scope = torch.NewDisposeScope();
        var batch = torch.rand(4, 3, 16, 16);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        TensorImage.ToPng(batch);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
