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
    int _released;
    /// <summary>Folders this process holds, so that a process ending at once (a second Ctrl+C) can still release them.</summary>
    static readonly System.Collections.Concurrent.ConcurrentDictionary<RunFolder, byte> Held = new();

    RunFolder(string path, FileStream lockFile, IReadOnlyList<string> removed)
    {
        (FullPath, _lock, RemovedStaleFiles) = (path, lockFile, removed);
        Held[this] = 0;
    }

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
    /// Writers in this library write through <see cref="AtomicFile"/> (".NAME.PID.N.visionlab-tmp") and rename. We own
    /// the folder now, so such a file of a process that is gone can only be what a killed writer left. No other file
    /// (a user's "notes.2024.tmp") is ever touched.
    /// </summary>
    static List<string> RemoveStaleTemporaries(string folder)
    {
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*" + AtomicFile.TemporarySuffix))
        {
            if (!AtomicFile.IsStaleTemporary(file)) continue;
            try { File.Delete(file); removed.Add(file); }
            catch (IOException) { }
        }
        return removed;
    }

    /// <summary>
    /// Releases every folder this process holds, for a process about to end without unwinding (a second Ctrl+C): its
    /// lock and owner files and its own unfinished temporary files go; every finished file stays.
    /// </summary>
    public static void ReleaseAllForExit()
    {
        foreach (var folder in Held.Keys) folder.Release(removeOwnTemporaries: true);
    }

    public void Dispose() => Release(removeOwnTemporaries: false);

    void Release(bool removeOwnTemporaries)
    {
        if (Interlocked.Exchange(ref _released, 1) == 1) return;
        Held.TryRemove(this, out _);
        if (removeOwnTemporaries) AtomicFile.RemoveOwnTemporaries(FullPath);
        var lockPath = _lock.Name;
        try { File.Delete(Path.Combine(FullPath, OwnerFileName)); } catch (IOException) { }
        try { File.Delete(lockPath); } catch (IOException) { }   // while still held: a waiting run then finds no stale file
        _lock.Dispose();
    }

    /// <summary>
    /// Refuses to start a run whose files will not fit on the folder's disk (found otherwise when the first checkpoint
    /// is written, after an epoch's work). <paramref name="bytes"/> is what the run may write at most at once.
    /// </summary>
    public void ProbeSpace(long bytes, string optionName)
    {
        long free;
        try { free = new DriveInfo(FullPath).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return; }   // unknown: the writes will tell
        if (free < bytes)
            throw new ActionableException(FormattableString.Invariant(
                $"{FullPath} ({optionName}) has {free / 1048576.0:F1} MiB free, but this run writes up to {bytes / 1048576.0:F0} MiB (checkpoints and weights): free some space or choose another {optionName}."));
    }

    /// <summary>
    /// Refuses, before any work, output files that cannot be written: a folder where a file goes (checkpoint.ckpt as
    /// a directory is otherwise found only after the first epoch).
    /// </summary>
    public void ProbeOutputs(string optionName, params IEnumerable<string> fileNames)
    {
        foreach (var name in fileNames)
        {
            var path = Path.Combine(FullPath, name);
            if (Directory.Exists(path))
                throw new ActionableException($"{path} is a folder, but this run writes a file of that name there: move it away or choose another {optionName}.");
        }
    }
}
