using System.CommandLine;
using VisionLab.Cli.Commands;

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
