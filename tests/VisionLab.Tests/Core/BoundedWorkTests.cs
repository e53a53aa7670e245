using System.Diagnostics;
using VisionLab.Core;

namespace VisionLab.Tests.Core;

/// <summary>Issue 35: work that may never finish returns to its caller within the limit, and on cancellation.</summary>
public sealed class BoundedWorkTests
{
    static int SpinUntil(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested) { }   // what ImageSharp 2.1 does on a tiny interlaced PNG, minus the stop
        return 0;
    }

    [Fact]
    public void Work_past_its_limit_is_refused_with_the_message_in_time()
    {
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<WorkTimedOutException>(() => BoundedWork.Run(() => SpinUntil(stop.Token), TimeSpan.FromMilliseconds(300), () => "x.png did not finish"));
        Assert.Equal("x.png did not finish", error.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 10);
        stop.Cancel();
    }

    [Fact]
    public void Cancellation_returns_at_once_while_the_work_runs()
    {
        using var stop = new CancellationTokenSource();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => BoundedWork.Run(() => SpinUntil(stop.Token), TimeSpan.FromMinutes(5), () => "", cancel.Token));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 10);
        stop.Cancel();
    }

    [Fact]
    public void Results_and_exceptions_come_back_as_they_are()
    {
        Assert.Equal(42, BoundedWork.Run(() => 42, TimeSpan.FromSeconds(10), () => ""));
        var error = Assert.Throws<InvalidDataException>(() => BoundedWork.Run<int>(() => throw new InvalidDataException("bad file"), TimeSpan.FromSeconds(10), () => ""));
        Assert.Equal("bad file", error.Message);
    }
}
