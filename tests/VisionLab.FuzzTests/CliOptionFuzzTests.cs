using System.CommandLine;
using System.Diagnostics;
using CsCheck;
using VisionLab.Cli;

namespace VisionLab.Tests.Fuzz;

/// <summary>
/// Issue 35, case 7: random argument vectors for every command of `visionlab`: each option of the command given
/// random tokens (numbers at and past every boundary, words, empty strings, paths, other options' names), in random
/// order and number. Parsing and validation (what the command line does before any work) must never throw: before,
/// `--epochs abc` threw from a range check and aborted the process (exit 134). Errors must name an option or
/// argument and never a .NET type. A sample also runs as real processes, which must exit 0, 1 or 2, never 70 or 134.
/// </summary>
public sealed class CliOptionFuzzTests
{
    static readonly string[] Values =
    [
        "0", "1", "-1", "2", "3", "10", "255", "256", "2147483647", "2147483648", "-2147483648", "-2147483649", "3000000000", "9223372036854775807",
        "9223372036854775808", "1e20", "1e-300", "1e308", "1e309", "-0", "0.5", "1.5", "-0.5", "NaN", "nan", "Infinity", "-Infinity", "∞", "0x10", "1_000",
        "", " ", "abc", "true", "false", "null", "--", "-", "--epochs", "--help", "-h", "💥", "é", "a,b", "1,5", "auto", "cpu", "cuda", "onnx", "pytorch",
        "modern-cnn", "vit-32", "hybrid-32", "fashion-mnist-bundled", "folder:", "folder:/nonexistent", "smoke", "full", "/dev/null", "/", ".", "..",
        "model.bin", "x.onnx", "MinMax", "Percentile", "guide", "none",
    ];

    /// <summary>Every command path ("train", "bench train", ...) with its options' names.</summary>
    static List<(string[] Path, string[] Options)> Commands(RootCommand root)
    {
        var found = new List<(string[], string[])>();
        void Walk(Command command, string[] path)
        {
            var options = command.Options.Concat(root.Options.Where(o => o.Recursive)).Select(o => o.Name).Distinct().ToArray();
            found.Add((path, options));
            foreach (var sub in command.Subcommands) Walk(sub, [.. path, sub.Name]);
        }
        Walk(root, []);
        return found;
    }

    static Gen<string[]> Vectors(List<(string[] Path, string[] Options)> commands)
    {
        var token = Gen.Frequency((6, Gen.OneOf(Values)), (2, Gen.String[0, 12]), (1, Gen.Int.Select(i => i.ToString())), (1, Gen.Double.Select(d => d.ToString("R"))));
        return Gen.Int[0, commands.Count - 1].SelectMany(c =>
        {
            var (path, options) = commands[c];
            var optionName = options.Length == 0 ? Gen.Const("--help") : Gen.Frequency((9, Gen.OneOf(options)), (1, Gen.OneOf("--nope", "-x", "--EPOCHS")));
            var pair = Gen.Select(optionName, token.Array[0, 2], (o, v) => (string[])[o, .. v]);
            return Gen.Select(pair.Array[0, 6], token.Array[0, 2], (pairs, positional) => (string[])[.. path, .. positional, .. pairs.SelectMany(p => p)]);
        });
    }

    [Fact]
    public void Random_argument_vectors_are_parsed_or_refused_with_words_never_an_exception()
    {
        var root = VisionLabRoot.Create();
        var commands = Commands(root);
        var pcg = new PCG(1, 35_100);
        int cases = FuzzRunner.Cases(10_000), refused = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var replay = pcg.ToString();
            var args = Vectors(commands).Generate(pcg, null!, out _);
            ParseResult parse;
            try { parse = root.Parse(args); }
            catch (Exception e)
            {
                Assert.Fail($"visionlab {Quote(args)} (CsCheck seed {replay}) threw {e.GetType().Name} while parsing: {e.Message}");
                return;
            }
            if (parse.Errors.Count == 0) continue;
            refused++;
            foreach (var error in parse.Errors)
            {
                var message = CliErrors.Friendly(error.Message);
                bool namesType = (message.Contains("System.") && !args.Any(a => a.Contains("System."))) || message.Contains("`1[");
                Assert.False(namesType, $"visionlab {Quote(args)}: the error names a .NET type: {message}");
                Assert.False(string.IsNullOrWhiteSpace(message), $"visionlab {Quote(args)}: an empty error");
            }
        }
        var line = $"[fuzz x{FuzzRunner.Scale}] command line: {cases} argument vectors over {commands.Count} commands, {refused} refused with an error, {cases - refused} accepted, in {clock.Elapsed.TotalSeconds:F1} s";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        TestContext.Current.SendDiagnosticMessage(line);
    }

    [Fact]
    public async Task A_sample_of_refused_vectors_exits_with_2_as_a_process()
    {
        var root = VisionLabRoot.Create();
        var commands = Commands(root);
        var pcg = new PCG(1, 35_200);
        using var folder = new TemporaryFolder();
        int run = 0;
        while (run < 25)
        {
            var args = Vectors(commands).Generate(pcg, null!, out _);
            // Only vectors the parser refuses: accepted ones would start real work (training, a tutorial run).
            if (root.Parse(args).Errors.Count == 0) continue;
            run++;
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(typeof(VisionLabRoot).Assembly.Location);
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var errorRead = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(limit.Token);
            var error = await errorRead;
            Assert.True(process.ExitCode == 2, $"visionlab {Quote(args)}: exit {process.ExitCode}\n{error}");
            Assert.StartsWith("error: ", error);
            Assert.DoesNotContain("   at ", error);
        }
    }

    static string Quote(string[] args) => string.Join(" ", args.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
