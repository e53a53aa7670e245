namespace VisionLab.Core;

/// <summary>A piece of work that ran past its time limit (a decoder that never finishes on a malformed file).</summary>
public sealed class WorkTimedOutException(string message) : ActionableException(message);

/// <summary>
/// Runs work that may never finish (third-party decoders on hostile files) on a thread of its own, so the caller
/// returns within a time limit and on cancellation (Ctrl+C) whatever the work does. Work that overruns cannot be
/// stopped in .NET: its thread is left to the process, which ends soon after such a failure in a command-line run.
/// </summary>
public static class BoundedWork
{
    public static T Run<T>(Func<T> work, TimeSpan limit, Func<string> timeoutMessage, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        T result = default!;
        Exception? failure = null;
        using var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
            finally { try { done.Set(); } catch (ObjectDisposedException) { } }
        }) { IsBackground = true, Name = "VisionLab bounded work" };
        thread.Start();
        if (!done.Wait(limit, cancellationToken)) throw new WorkTimedOutException(timeoutMessage());
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }
}
