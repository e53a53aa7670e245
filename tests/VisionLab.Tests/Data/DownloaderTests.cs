using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using VisionLab.Data;

namespace VisionLab.Tests.Data;

/// <summary>Downloads from a server on the loopback interface: verified, atomic, nothing left on failure.</summary>
public sealed class DownloaderTests
{
    static (HttpListener Listener, Uri Url) Serve(byte[] body)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); } catch (Exception) { return; }
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        return (listener, new Uri($"http://127.0.0.1:{port}/file.bin"));
    }

    [Fact]
    public void A_download_is_verified_and_lands_in_place_with_progress()
    {
        var body = RandomNumberGenerator.GetBytes(300_000);
        var (listener, url) = Serve(body);
        using var _ = listener;
        using var folder = new TemporaryFolder();
        var destination = Path.Combine(folder.Path, "sub", "file.bin");
        var reports = new List<DownloadProgress>();
        Downloader.EnsureFile(url, destination, Convert.ToHexStringLower(MD5.HashData(body)), new SyncProgress(reports.Add), default, "advice");
        Assert.Equal(body, File.ReadAllBytes(destination));
        Assert.Equal(body.Length, reports[^1].Received);
        Assert.Equal(["file.bin"], Directory.GetFiles(Path.GetDirectoryName(destination)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_download_with_the_wrong_checksum_leaves_nothing()
    {
        var (listener, url) = Serve(RandomNumberGenerator.GetBytes(10_000));
        using var _ = listener;
        using var folder = new TemporaryFolder();
        var destination = Path.Combine(folder.Path, "file.bin");
        var error = Assert.Throws<InvalidDataException>(() => Downloader.EnsureFile(url, destination, "0123456789abcdef0123456789abcdef", null, default, "advice"));
        Assert.Contains("Checksum mismatch", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    sealed class SyncProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
