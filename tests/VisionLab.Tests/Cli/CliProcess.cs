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

/// <summary>The contract of a user error: exit 2, one "error:" line (and for parse errors where to find the options), no stack trace.</summary>
public static class CliAssert
{
    public static void IsOneLineUserError(CliResult result, bool ignoreLibtorchWarnings, params string[] mentions)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !(ignoreLibtorchWarnings && l.StartsWith("[W"))).ToArray();
        Assert.True(lines.Length is >= 1 and <= 2, result.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Error);
        foreach (var mention in mentions) Assert.Contains(mention, lines[0]);
    }
}
