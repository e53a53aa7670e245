using System.Security.Cryptography;

namespace VisionLab.Data;

public sealed record DownloadProgress(string File, long Received, long? Total);

/// <summary>Downloads a file once: checksum-verified, written atomically, never left half-written.</summary>
public static class Downloader
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>
    /// Makes sure <paramref name="destination"/> exists with the given MD5. An existing file is verified
    /// (and replaced if it does not match); otherwise it is downloaded to a temporary file, verified, then renamed.
    /// </summary>
    public static void EnsureFile(Uri source, string destination, string md5, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken, string offlineAdvice)
    {
        if (File.Exists(destination))
        {
            if (Md5Of(destination) == md5) return;
            throw new InvalidDataException($"{destination} is corrupt or incomplete (MD5 differs from {md5}). Delete it and run again to download it anew.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temporary = destination + $".{Environment.ProcessId}.part";
        try
        {
            try
            {
                using var response = Http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken).GetAwaiter().GetResult();
                response.EnsureSuccessStatusCode();
                using var input = response.Content.ReadAsStream(cancellationToken);
                using var output = File.Create(temporary);
                var buffer = new byte[1 << 16];
                long received = 0, total = response.Content.Headers.ContentLength ?? -1;
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    output.Write(buffer, 0, read);
                    received += read;
                    progress?.Report(new DownloadProgress(Path.GetFileName(destination), received, total < 0 ? null : total));
                }
            }
            catch (HttpRequestException e)
            {
                throw new DatasetUnavailableException($"Could not download {source} ({e.Message}). {offlineAdvice}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DatasetUnavailableException($"Downloading {source} timed out. {offlineAdvice}", e);
            }
            VerifyAndMove(temporary, destination, md5, source.ToString());
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Moves a finished temporary file into place only if its MD5 matches.</summary>
    public static void VerifyAndMove(string temporary, string destination, string md5, string sourceName)
    {
        var actual = Md5Of(temporary);
        if (actual != md5)
            throw new InvalidDataException($"Checksum mismatch for {sourceName}: MD5 {actual}, expected {md5}. Nothing was cached; try again, or fetch the file by other means.");
        File.Move(temporary, destination, overwrite: true);
    }

    public static string Md5Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }
}
