namespace VisionLab.Core;

/// <summary>A file the library was asked to write could not be written (a full disk, no permission, a folder in its place).</summary>
public sealed class OutputNotWritableException(string message, Exception? inner = null) : ActionableException(message, inner);

/// <summary>
/// Every file the library writes is written whole or not at all: under a temporary name of the library's own pattern
/// (".NAME.PID.N.visionlab-tmp") in the destination's folder, flushed to disk, then renamed over the destination.
/// A reader never sees half a file, a killed writer leaves the earlier file intact, and only files of this pattern
/// are ever cleaned up (<see cref="IsStaleTemporary"/>).
/// </summary>
public static class AtomicFile
{
    public const string TemporarySuffix = ".visionlab-tmp";
    static int _counter;

    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>, which gets a stream on the temporary file.</summary>
    public static void Write(string path, Action<Stream> write) => WriteFile(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    public static void WriteAllText(string path, string text) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        writer.Write(text);
    });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>
    /// For writers that take a path (a native library, a folder of files): <paramref name="write"/> writes the temporary
    /// path it is given, which is then flushed and renamed into place.
    /// </summary>
    public static void WriteFile(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new OutputNotWritableException($"{full} is a folder, so the file cannot be written there: remove it or choose another path.");
        var folder = Path.GetDirectoryName(full)!;
        var temporary = TemporaryPathFor(full);
        try
        {
            Directory.CreateDirectory(folder);
            write(temporary);
            if (File.Exists(temporary))
                using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite)) written.Flush(flushToDisk: true);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not FileNotFoundException)
        {
            // .NET appends the temporary file's name (" : '/x/.name.12.1.visionlab-tmp'"): the destination is what the user knows.
            var reason = e.Message.Split(" : '")[0].TrimEnd('.');
            throw new OutputNotWritableException($"{full} could not be written ({reason}). {Advice(e)}", e);
        }
        finally
        {
            try { if (File.Exists(temporary)) File.Delete(temporary); } catch (IOException) { }
        }
    }

    /// <summary>The temporary name <see cref="WriteFile"/> uses for <paramref name="path"/> (unique within this process).</summary>
    public static string TemporaryPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        int n = Interlocked.Increment(ref _counter);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{n}{TemporarySuffix}");
    }

    /// <summary>The process that wrote a temporary file of this library's pattern; null for any other file.</summary>
    public static int? WriterOf(string path)
    {
        var name = Path.GetFileName(path);
        if (!name.StartsWith('.') || !name.EndsWith(TemporarySuffix, StringComparison.Ordinal)) return null;
        var parts = name[..^TemporarySuffix.Length].Split('.');
        // "", NAME (which may hold dots), PID, N
        return parts.Length >= 4 && int.TryParse(parts[^2], out var pid) && int.TryParse(parts[^1], out _) && pid > 0 ? pid : null;
    }

    /// <summary>Whether <paramref name="path"/> is a temporary file of this library's pattern whose writer is no longer running.</summary>
    public static bool IsStaleTemporary(string path) =>
        WriterOf(path) is int pid && pid != Environment.ProcessId && !IsAlive(pid);

    /// <summary>Removes this process's own temporary files in <paramref name="folder"/> (after an interrupted write).</summary>
    public static void RemoveOwnTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder, "*" + TemporarySuffix))
            if (WriterOf(file) == Environment.ProcessId)
                try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    static bool IsAlive(int pid)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static string Advice(Exception e) => e switch
    {
        UnauthorizedAccessException => "Check the folder's permissions or choose another path.",
        _ when e.Message.Contains("space", StringComparison.OrdinalIgnoreCase) => "Free some disk space or choose another path.",
        _ => "Check the path and free disk space, or choose another path.",
    };
}
