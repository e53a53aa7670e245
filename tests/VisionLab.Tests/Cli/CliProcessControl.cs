using System.Diagnostics;

namespace VisionLab.Tests.Cli;

/// <summary>A `visionlab` process the test controls while it runs: sees its files appear, signals it, kills it.</summary>
public sealed class RunningCli : IDisposable
{
    readonly Process _process;
    readonly Task<string> _output, _error;

    RunningCli(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    public static RunningCli Start(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliProcess.Dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["COLUMNS"] = "200";
        return new RunningCli(Process.Start(start)!);
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Sends a POSIX signal (INT, TERM, KILL), as a terminal's Ctrl+C or a service manager would.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", Id.ToString()]);
        kill.WaitForExit();
    }

    /// <summary>Waits until <paramref name="condition"/> holds or the process ends; true if it held.</summary>
    public bool WaitUntil(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            Thread.Sleep(1);
        }
        return false;
    }

    public CliResult WaitForExit(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"visionlab did not exit within {limit.TotalSeconds:F0} s.\n{_output.Result}\n{_error.Result}");
        }
        return new CliResult(_process.ExitCode, _output.Result, _error.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
