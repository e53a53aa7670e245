using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Data;
using static TorchSharp.torch;

using VisionLab.Core;

namespace VisionLab.Tests.Data;

[Collection(GarbageCollectingTests.Name)]
public sealed class DataLoaderTests
{
    static readonly InMemoryImageDataset Data = FashionMnist.Load(train: true).Take(300);
    static readonly IImageTransform Guide = GuidePipeline.Train(Data.Format);

    static List<(Tensor Images, long[] Labels, int[] Indices)> Run(DataLoader loader, int epoch)
    {
        var result = new List<(Tensor, long[], int[])>();
        foreach (var batch in loader.Epoch(epoch))
            using (batch)
                result.Add((batch.Images.clone(), batch.Labels.data<long>().ToArray(), batch.Indices.ToArray()));
        return result;
    }

    [Fact]
    public void Batches_cover_the_epoch_once_with_the_right_shapes()
    {
        var loader = new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 64, Seed = 1 });
        using var scope = NewDisposeScope();
        var batches = Run(loader, 0);
        Assert.Equal(5, batches.Count);
        Assert.Equal(new long[] { 64, 3, 32, 32 }, batches[0].Images.shape);
        Assert.Equal(300 - 4 * 64, batches[^1].Indices.Length);
        Assert.Equal(Enumerable.Range(0, 300), batches.SelectMany(b => b.Indices).Order());
        Assert.All(batches, b => Assert.Equal(b.Indices.Select(i => (long)Data.Label(i)), b.Labels));
    }

    [Fact]
    public void An_epoch_is_the_same_for_a_seed_whatever_the_workers_and_differs_across_epochs()
    {
        using var scope = NewDisposeScope();
        var one = Run(new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 50, Seed = 7, Workers = 1, Prefetch = 0 }), 3);
        var many = Run(new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 50, Seed = 7, Workers = 4, Prefetch = 3 }), 3);
        var inline = Run(new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 50, Seed = 7, Workers = 0 }), 3);
        Assert.Equal(one.Count, many.Count);
        Assert.Equal(one.Count, inline.Count);
        for (int b = 0; b < one.Count; b++)
        {
            Assert.Equal(one[b].Indices, many[b].Indices);
            Assert.True(one[b].Images.eq(many[b].Images).all().item<bool>(), $"batch {b} differs between 1 and 4 workers");
            Assert.Equal(one[b].Indices, inline[b].Indices);
            Assert.True(one[b].Images.eq(inline[b].Images).all().item<bool>(), $"batch {b} differs between a worker and the consumer's thread");
        }
        var nextEpoch = Run(new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 50, Seed = 7 }), 4);
        Assert.NotEqual(one[0].Indices, nextEpoch[0].Indices);
        var otherSeed = Run(new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 50, Seed = 8 }), 3);
        Assert.NotEqual(one[0].Indices, otherSeed[0].Indices);
    }

    [Fact]
    public void Without_shuffling_order_is_the_dataset_order_and_drop_last_drops()
    {
        var loader = new DataLoader(Data, null, new DataLoaderOptions { BatchSize = 128, Shuffle = false, DropLast = true });
        Assert.Equal(2, loader.BatchCount);
        using var scope = NewDisposeScope();
        var batches = Run(loader, 0);
        Assert.Equal(Enumerable.Range(0, 256), batches.SelectMany(b => b.Indices));
        Assert.Equal(ScalarType.Byte, batches[0].Images.dtype);
    }

    [Fact]
    public void Stopping_early_or_cancelling_leaves_no_tensor_alive()
    {
        long before = LiveTensors.Count();
        var loader = new DataLoader(Data, Guide, new DataLoaderOptions { BatchSize = 32, Workers = 2, Prefetch = 4 });
        foreach (var batch in loader.Epoch(0)) { batch.Dispose(); break; }
        using var cancellation = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in loader.Epoch(1, cancellationToken: cancellation.Token)) { batch.Dispose(); cancellation.Cancel(); }
        });
        foreach (var batch in loader.Epoch(2)) batch.Dispose();
        Assert.Equal(before, LiveTensors.Count());
    }

    [Fact]
    public void Images_of_different_sizes_in_one_batch_are_a_clear_error()
    {
        long before = LiveTensors.Count();
        var loader = new DataLoader(Data, new RandomCropOrNot(), new DataLoaderOptions { BatchSize = 8, Shuffle = false, Workers = 1 });
        var error = Assert.Throws<InvalidDataException>(() => { foreach (var b in loader.Epoch(0)) b.Dispose(); });
        Assert.Contains("must have one size", error.Message);
        Assert.Equal(before, LiveTensors.Count());
    }

    sealed class RandomCropOrNot : IImageTransform
    {
        public Tensor Apply(Tensor image, Random random) => random.Next(2) == 0 ? image.alias() : ImageOps.Crop(image, 0, 0, 20, 20);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Data, null, new DataLoaderOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Data, null, new DataLoaderOptions { Workers = -1 }));
    }

}
