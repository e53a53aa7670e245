using TorchSharp;
using VisionLab.Augmentation;
using VisionLab.Core;
using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>How a <see cref="DataLoader"/> batches and prefetches.</summary>
public sealed record DataLoaderOptions
{
    public int BatchSize { get; init; } = 128;
    public bool Shuffle { get; init; } = true;
    public bool DropLast { get; init; }
    public int Seed { get; init; }
    /// <summary>
    /// Threads that build batches in parallel (each batch on one thread). 0 builds each batch on the consumer's thread
    /// when it is asked for (PyTorch's num_workers=0): nothing runs beside the training step.
    /// </summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);
    /// <summary>Batches built ahead of the consumer, beyond one per worker.</summary>
    public int Prefetch { get; init; } = 2;
}

/// <summary>
/// The input pipeline: seeded shuffling, per-image transforms on worker threads, batching and prefetching
/// ahead of the training step. Each image's randomness comes from (seed, epoch, index), so an epoch is the
/// same whatever the number of workers or the thread timing.
/// </summary>
public sealed class DataLoader(IImageDataset dataset, IImageTransform? transform, DataLoaderOptions? options = null)
{
    public IImageDataset Dataset { get; } = dataset;
    public IImageTransform? Transform { get; } = transform;
    public DataLoaderOptions Options { get; } = Validate(options ?? new DataLoaderOptions(), dataset);

    // In long: a batch size near int.MaxValue must give one batch, not an overflow to none.
    public int BatchCount => (int)(Options.DropLast ? Dataset.Count / Options.BatchSize : ((long)Dataset.Count + Options.BatchSize - 1) / Options.BatchSize);

    /// <summary>The order images are visited in an epoch: a seeded shuffle, or 0..N-1.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Options.Shuffle) Seeds.ForShuffle(Options.Seed, epoch).Shuffle(order);
        return order;
    }

    /// <summary>
    /// The batches of one epoch, in order, on <paramref name="device"/> (the consumer's: a trainer's or a model's; CPU
    /// when null). On CUDA they are built in pinned memory and copied without blocking, on the worker threads, so the
    /// copy overlaps the step. Dispose each batch; stopping early is fine.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch = 0, Device? device = null, CancellationToken cancellationToken = default)
    {
        var order = Order(epoch);
        int batches = BatchCount, window = Options.Workers + Options.Prefetch;
        if (Options.Workers == 0)
        {
            for (int b = 0; b < batches; b++)
                yield return Build(order, b, epoch, device, cancellationToken);
            yield break;
        }
        var pending = new Queue<Task<Batch>>();
        int next = 0;
        try
        {
            for (int b = 0; b < batches; b++)
            {
                while (next < batches && pending.Count < window)
                {
                    int batchIndex = next++;
                    pending.Enqueue(Task.Run(() => Build(order, batchIndex, epoch, device, cancellationToken), cancellationToken));
                }
                var batch = pending.Dequeue().GetAwaiter().GetResult();
                cancellationToken.ThrowIfCancellationRequested();
                yield return batch;
            }
        }
        finally
        {
            // Early exit, cancellation or an error: wait for every batch in flight and free it. A batch that failed too
            // (e.g. the same bad image size) freed its own tensors; its error is moot, the first one is propagating.
            while (pending.Count > 0)
            {
                try { pending.Dequeue().GetAwaiter().GetResult().Dispose(); }
                catch (Exception) { }
            }
        }
    }

    Batch Build(int[] order, int batchIndex, int epoch, Device? device, CancellationToken cancellationToken)
    {
        int start = batchIndex * Options.BatchSize, count = Math.Min(Options.BatchSize, order.Length - start);
        var indices = order.AsSpan(start, count).ToArray();
        using var scope = NewDisposeScope();
        var images = new Tensor[count];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = Dataset.Image(indices[i]);
            images[i] = Transform is null ? image : Transform.Apply(image, Seeds.ForItem(Options.Seed, epoch, indices[i]));
            labels[i] = Dataset.Label(indices[i]);
        }
        var shape = images[0].shape;
        for (int i = 1; i < count; i++)
            if (!images[i].shape.SequenceEqual(shape))
                throw new InvalidDataException($"Images in a batch must have one size: image {indices[i]} is [{string.Join(", ", images[i].shape)}], image {indices[0]} is [{string.Join(", ", shape)}]. Resize them (e.g. ImageFolderDataset size) or crop in the transform.");
        var batchImages = stack(images);
        var batchLabels = tensor(labels, ScalarType.Int64);
        if (device is { type: DeviceType.CUDA })
        {
            batchImages = batchImages.pin_memory().to(device, non_blocking: true);
            batchLabels = batchLabels.pin_memory().to(device, non_blocking: true);
        }
        else if (device is not null && device.type != DeviceType.CPU)
        {
            batchImages = batchImages.to(device);
            batchLabels = batchLabels.to(device);
        }
        return new Batch(batchImages.MoveToOuterDisposeScope(), batchLabels.MoveToOuterDisposeScope(), indices);
    }

    static DataLoaderOptions Validate(DataLoaderOptions options, IImageDataset dataset)
    {
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be at least 1, got {options.BatchSize}.");
        if (options.Workers < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Workers cannot be negative, got {options.Workers} (0 builds batches on the consumer's thread).");
        if (options.Prefetch < 0) throw new ArgumentOutOfRangeException(nameof(options), $"Prefetch cannot be negative, got {options.Prefetch}.");
        if (dataset.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(dataset));
        return options;
    }
}
