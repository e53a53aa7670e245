using System.CommandLine;
using VisionLab.Cli.Commands;

namespace VisionLab.Cli;

/// <summary>The `visionlab` command and all its subcommands and options: what the parser knows (also read by the docs test and the fuzzing).</summary>
public static class VisionLabRoot
{
    public static RootCommand Create() => new("VisionLab: the C# computer-vision tutorial and its tools.")
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
}
