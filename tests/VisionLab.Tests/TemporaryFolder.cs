using System.Runtime.InteropServices;

namespace VisionLab.Tests;

public sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("visionlab-tests-").FullName;

    public string Copy(string file)
    {
        var target = System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file));
        File.Copy(file, target, overwrite: true);
        return target;
    }

    public static bool TryHardLink(string existing, string link) => OperatingSystem.IsLinux() && LinkNative(existing, link) == 0;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    static extern int LinkNative(string oldPath, string newPath);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
