using System.CommandLine;
using Spectre.Console;
using VisionLab.Cli;
using VisionLab.Cli.Commands;

// Spectre falls back to 80 columns when the output is redirected; a COLUMNS setting wins (wide tables in logs).
if (Console.IsOutputRedirected && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0)
    AnsiConsole.Profile.Width = columns;

var root = new RootCommand("VisionLab: the C# computer-vision tutorial and its tools.")
{
    TutorialCommand.Create(),
    InfoCommand.Create(),
    BenchCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ExportCommand.Create(),
    PredictCommand.Create(),
    SharedOptions.Device,
    SharedOptions.Threads,
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
{
    // One line per problem, each naming the option; the full usage only on request.
    foreach (var error in parse.Errors) CliErrors.WriteError(error.Message);
    var command = parse.CommandResult.Command == root ? "visionlab" : $"visionlab {parse.CommandResult.Command.Name}";
    Console.Error.WriteLine($"Run '{command} --help' for the options.");
    return CliErrors.UserError;
}
try
{
    // Our (patched) libLibTorchSharp before TorchSharp's own probe, which needs a deps.json or a NuGet cache to find it.
    VisionLab.Core.TorchNative.EnsureLoaded();
    SharedOptions.ApplyMachineOptions(parse);
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return CliErrors.Report(e);
}
