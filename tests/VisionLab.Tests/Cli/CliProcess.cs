using System.Diagnostics;

namespace VisionLab.Tests.Cli;

/// <summary>What one run of the visionlab command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs the built `visionlab` command line as its users do: a separate process, output captured.</summary>
public static class CliProcess
{
#if DEBUG
    const string Configuration = "Debug";
#else
    const string Configuration = "Release";
#endif

    public static string Dll => Path.Combine(Repository.Root, "lib", "VisionLab.Cli", "bin", Configuration, "net10.0", "VisionLab.Cli.dll");

    public static CliResult Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["COLUMNS"] = "200";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"visionlab {string.Join(' ', arguments)} did not finish in 5 minutes.");
        }
        return new CliResult(process.ExitCode, output.Result, error.Result);
    }
}
