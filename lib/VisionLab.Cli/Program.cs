using System.CommandLine;
using Spectre.Console;
using VisionLab.Cli;

// Spectre falls back to 80 columns when the output is redirected; a COLUMNS setting wins (wide tables in logs).
if (Console.IsOutputRedirected && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0)
    AnsiConsole.Profile.Width = columns;

var root = VisionLabRoot.Create();
ParseResult parse;
try { parse = root.Parse(args); }
catch (Exception e) { return CliErrors.Report(e); }   // a validator that throws is a bug, reported as one (never an abort)
if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    // One line per problem, each naming the option; the full usage only on request.
    foreach (var error in parse.Errors) CliErrors.WriteError(CliErrors.Friendly(error.Message));
    var command = parse.CommandResult.Command == root ? "visionlab" : $"visionlab {parse.CommandResult.Command.Name}";
    Console.Error.WriteLine($"Run '{command} --help' for the options.");
    return CliErrors.UserError;
}
// Our own Ctrl+C / SIGTERM handling, not System.CommandLine's (whose second signal aborts the process).
var signals = ShutdownSignals.Install();   // for the process's lifetime, so a signal during shutdown is still ours
try
{
    // Our (patched) libLibTorchSharp before TorchSharp's own probe, which needs a deps.json or a NuGet cache to find it.
    VisionLab.Core.TorchNative.EnsureLoaded();
    SharedOptions.ApplyMachineOptions(parse);
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, signals.Token);
}
catch (Exception e)
{
    return CliErrors.Report(e);
}
