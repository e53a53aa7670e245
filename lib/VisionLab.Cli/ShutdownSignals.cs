using System.Runtime.InteropServices;
using VisionLab.Training;

namespace VisionLab.Cli;

/// <summary>
/// The command line's one handler of Ctrl+C and SIGTERM. The first signal cancels <see cref="Token"/>: the command
/// stops at its next safe point (train after saying which checkpoint to resume from). A second signal ends the process
/// at once: every file is written atomically, so nothing finished is damaged; the run folders' locks and this process's
/// unfinished temporary files are removed first. Exit code 130 either way. The handler stays registered until the
/// process has exited: a second signal during shutdown still ends it with 130, not the default 143.
/// </summary>
public sealed class ShutdownSignals
{
    readonly CancellationTokenSource _cancel = new();
    readonly PosixSignalRegistration[] _registrations;
    int _signals;

    /// <summary>Held for the process's lifetime: a registration that is collected unregisters itself.</summary>
    static ShutdownSignals? _installed;

    ShutdownSignals() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];

    /// <summary>Installs the handler once for the process and returns it.</summary>
    public static ShutdownSignals Install() => _installed ??= new ShutdownSignals();

    public CancellationToken Token => _cancel.Token;

    void Handle(PosixSignalContext context)
    {
        context.Cancel = true;   // the process ends when the command has stopped, not now
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Console.Error.WriteLine("Stopping at the next safe point (a second Ctrl+C stops at once; finished files are kept).");
            ThreadPool.QueueUserWorkItem(_ => _cancel.Cancel());
            return;
        }
        RunFolder.ReleaseAllForExit();
        Console.Error.WriteLine("Stopped at once.");
        Console.Out.Flush();
        ExitNow(CliErrors.Interrupted);
    }

    /// <summary>
    /// Ends the process without unwinding: libtorch may be inside a kernel on another thread, and running its static
    /// destructors under it (Environment.Exit) can crash instead of exiting with the code asked for.
    /// </summary>
    static void ExitNow(int code)
    {
        if (OperatingSystem.IsLinux()) _exit(code);
        Environment.Exit(code);
    }

    // glibc's soname: "libc" would first find libc.so, a linker script that only libc6-dev installs.
    [DllImport("libc.so.6", EntryPoint = "_exit")]
    static extern void _exit(int status);
}
