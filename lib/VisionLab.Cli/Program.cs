using System.CommandLine;
using Spectre.Console;
using VisionLab.Cli.Commands;

// Spectre falls back to 80 columns when the output is redirected; a COLUMNS setting wins (wide tables in logs).
if (Console.IsOutputRedirected && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0)
    AnsiConsole.Profile.Width = columns;

// Our (patched) libLibTorchSharp before TorchSharp's own probe, which needs a deps.json or a NuGet cache to find it.
VisionLab.Core.TorchNative.EnsureLoaded();

var root = new RootCommand("VisionLab: the C# computer-vision tutorial and its tools.")
{
    TutorialCommand.Create(),
    InfoCommand.Create(),
    BenchCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ExportCommand.Create(),
    PredictCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
