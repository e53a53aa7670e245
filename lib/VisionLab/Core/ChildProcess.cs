using System.Diagnostics;

namespace VisionLab.Core;

/// <summary>
/// Runs another program (PyTorch's scripts, torchrun) and collects what it prints, stdout and stderr interleaved in
/// the order the lines arrive, each also handed to a log as it comes.
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Waits for the program to exit. Past <paramref name="timeout"/> it is killed (with its children) and a
    /// <see cref="TimeoutException"/> thrown; on cancellation it is killed and the cancellation thrown.
    /// </summary>
    /// <param name="environment">Variables set for the child on top of this process's.</param>
    public static (int ExitCode, IReadOnlyList<string> Lines) Run(string file, IEnumerable<string> arguments, TimeSpan? timeout = null,
        Action<string>? log = null, CancellationToken cancellationToken = default, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var lines = new List<string>();
        void Collect(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            log?.Invoke(e.Data);
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        void Kill() { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
        using (cancellationToken.Register(Kill))
        {
            if (!process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
            {
                Kill();
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} took longer than {timeout}.");
            }
            process.WaitForExit();   // the output handlers have run to the end
        }
        cancellationToken.ThrowIfCancellationRequested();
        lock (lines) return (process.ExitCode, lines.ToArray());
    }
}
