using System.Diagnostics;
using VisionLab.Core;

namespace VisionLab.Training;

/// <summary>Another run owns the output folder.</summary>
public sealed class RunFolderInUseException(string message) : ActionableException(message);

/// <summary>
/// An output folder owned by one run for its lifetime: checked writable before any work starts, locked (a lock file
/// opened exclusively, which the OS releases if the process dies, so a stale lock is simply taken over; the owner's
/// pid beside it), and cleared of temporary files that a killed writer left behind.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockFileName = ".visionlab.lock";
    /// <summary>Who holds the lock (the lock file itself cannot be read while it is held).</summary>
    public const string OwnerFileName = ".visionlab.owner";

    readonly FileStream _lock;

    RunFolder(string path, FileStream lockFile, IReadOnlyList<string> removed) => (FullPath, _lock, RemovedStaleFiles) = (path, lockFile, removed);

    public string FullPath { get; }

    /// <summary>Temporary files of earlier, killed writers that <see cref="Claim"/> deleted.</summary>
    public IReadOnlyList<string> RemovedStaleFiles { get; }

    /// <param name="path">The folder (created if missing).</param>
    /// <param name="optionName">How the user named it, for messages (e.g. "--output").</param>
    public static RunFolder Claim(string path, string optionName = "the output folder")
    {
        var full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".visionlab-write-test.{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ActionableException($"{full} ({optionName}) cannot be written: {e.Message} Choose another {optionName}.", e);
        }

        var lockPath = Path.Combine(full, LockFileName);
        FileStream lockFile;
        try { lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException)
        {
            string owner;
            try { owner = File.ReadAllText(Path.Combine(full, OwnerFileName)).Trim(); } catch (IOException) { owner = "owner unknown"; }
            throw new RunFolderInUseException($"{full} ({optionName}) is in use by another run ({owner}). Wait for it to finish or choose another {optionName}.");
        }
        File.WriteAllText(Path.Combine(full, OwnerFileName),
            FormattableString.Invariant($"pid {Environment.ProcessId}, started {DateTime.Now:yyyy-MM-dd HH:mm:ss} on {Environment.MachineName}"));
        return new RunFolder(full, lockFile, RemoveStaleTemporaries(full));
    }

    /// <summary>
    /// Writers in this library write "name.PID.tmp" and rename. We own the folder now, so such a file from another
    /// process can only be what a killed writer left.
    /// </summary>
    static List<string> RemoveStaleTemporaries(string folder)
    {
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.tmp"))
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length < 3 || !int.TryParse(parts[^2], out var pid) || pid == Environment.ProcessId || IsAlive(pid)) continue;
            try { File.Delete(file); removed.Add(file); }
            catch (IOException) { }
        }
        return removed;
    }

    static bool IsAlive(int pid)
    {
        try { using var process = Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }

    public void Dispose()
    {
        var lockPath = _lock.Name;
        try { File.Delete(Path.Combine(FullPath, OwnerFileName)); } catch (IOException) { }
        try { File.Delete(lockPath); } catch (IOException) { }   // while still held: a waiting run then finds no stale file
        _lock.Dispose();
    }
}
