using System.CommandLine;
using Spectre.Console;
using VisionLab.Core;

namespace VisionLab.Cli.Commands;

/// <summary>`visionlab info`: device, versions and threads, as every notebook reports them.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the device (CUDA or CPU), TorchSharp and libtorch versions, and threads.");
        command.SetAction(_ =>
        {
            var info = TorchEnvironment.Describe();
            var table = new Table().AddColumns("", "");
            table.AddRow("device", info.Device + (info.CudaAvailable ? $" ({info.CudaDeviceCount} CUDA device(s))" : " (no CUDA device)"));
            table.AddRow("TorchSharp", info.TorchSharpVersion);
            table.AddRow("libtorch", info.LibTorchVersion);
            table.AddRow("threads", info.Threads.ToString());
            table.AddRow("native library", Markup.Escape(TorchNative.LoadedFrom ?? "resolved by the host"));
            table.AddRow("native heap", Markup.Escape(NativeHeap.Status));
            table.AddRow("OS", Markup.Escape(info.Os));
            table.AddRow(".NET", info.DotNet);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
