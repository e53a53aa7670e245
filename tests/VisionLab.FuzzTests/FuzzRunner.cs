using System.Diagnostics;
using CsCheck;

namespace VisionLab.Tests.Fuzz;

/// <summary>One input to a parser, with how it was made (for the failure message).</summary>
public sealed record FuzzInput(string How, byte[] Bytes)
{
    public override string ToString() => $"{How} ({Bytes.Length} bytes)";
}

/// <summary>What a parser did with the inputs of one fuzz test, for docs/testing.md's table.</summary>
public sealed class FuzzTally(string parser)
{
    public string Parser => parser;
    public int Tried { get; private set; }
    public int Rejected { get; private set; }
    public int Accepted { get; private set; }
    public int Crashes { get; private set; }
    public TimeSpan Slowest { get; private set; }
    public long MostAllocated { get; private set; }
    /// <summary>Every crash: its kind (exception type and where it was thrown, or hang, or allocation) and the full story.</summary>
    public List<(string Kind, string Detail)> Failures { get; } = new();
    public bool Hung { get; private set; }

    internal void Count(bool? accepted, TimeSpan elapsed, long allocated)
    {
        Tried++;
        if (accepted is true) Accepted++;
        else if (accepted is false) Rejected++;
        else Crashes++;
        if (elapsed > Slowest) Slowest = elapsed;
        if (allocated > MostAllocated) MostAllocated = allocated;
    }

    internal void Crash(string kind, string detail, bool hung = false)
    {
        Tried++;
        Crashes++;
        Hung |= hung;
        Failures.Add((kind, detail));
    }

    public override string ToString() =>
        $"{Parser}: tried {Tried}, rejected {Rejected} (documented error), accepted {Accepted}, crashes {Crashes} " +
        $"(slowest case {Slowest.TotalMilliseconds:F0} ms, most allocated by one case {MostAllocated / 1024.0:F0} KiB)";
}

/// <summary>An accepted input whose result breaks the parser's own promise (e.g. a shape that does not fit the data).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

/// <summary>
/// Runs a parser on inputs drawn by CsCheck generators from a fixed seed (the same inputs on every run), each on its
/// own thread with a time limit and a bound on the bytes it allocates, and counts what happened: the parser's
/// documented error (rejected), a result (accepted), or anything else (a crash: another exception, a hang, or an
/// allocation out of proportion to the input). The test fails on any crash; the first 20 inputs that crashed are
/// saved (under the temp folder, visionlab-fuzz-failures/) to replay.
/// </summary>
public static class FuzzRunner
{
    /// <summary>Multiplies every fuzz test's number of cases (default 1, the CI run); e.g. 20 for a long run.</summary>
    public const string ScaleVariable = "VISIONLAB_FUZZ_SCALE";

    /// <summary>A file to append the counts (and one example of each kind of crash) to, e.g. for the README; unset: none.</summary>
    public const string ReportVariable = "VISIONLAB_FUZZ_REPORT";

    public static int Scale =>
        int.TryParse(Environment.GetEnvironmentVariable(ScaleVariable), out var scale) && scale > 0 ? scale : 1;

    /// <summary>The number of cases to draw: the CI count times <see cref="ScaleVariable"/>.</summary>
    public static int Cases(int ciCases) => checked(ciCases * Scale);

    /// <summary>Per-case limits: wall time, and managed bytes allocated (a fixed allowance plus a multiple of the input's size).</summary>
    public sealed record Limits(TimeSpan PerCase, long AllocationAllowance = 16 << 20, int AllocationPerInputByte = 16)
    {
        public long AllocationBound(int inputBytes) => AllocationAllowance + (long)AllocationPerInputByte * inputBytes;
    }

    /// <summary>Draws <paramref name="cases"/> inputs from <paramref name="gen"/>, seeded with <paramref name="seed"/>, and runs each.</summary>
    public static void Run(FuzzTally tally, string source, Gen<FuzzInput> gen, ulong seed, int cases,
        Action<byte[]> parse, Func<Exception, bool> documented, Limits limits)
    {
        var pcg = new PCG(1, seed);
        for (int i = 0; i < cases && !tally.Hung; i++)
        {
            var replay = pcg.ToString();   // PCG.Parse(replay) draws this same case again
            var input = gen.Generate(pcg, null!, out _);
            RunOne(tally, $"{source} #{i} (CsCheck seed {replay})", input, parse, documented, limits);
        }
    }

    /// <summary>Runs every input of a fixed list (e.g. every truncation of a valid file).</summary>
    public static void Run(FuzzTally tally, string source, IEnumerable<FuzzInput> inputs,
        Action<byte[]> parse, Func<Exception, bool> documented, Limits limits)
    {
        int i = 0;
        foreach (var input in inputs)
        {
            if (tally.Hung) break;
            RunOne(tally, $"{source} #{i++}", input, parse, documented, limits);
        }
    }

    static void RunOne(FuzzTally tally, string name, FuzzInput input, Action<byte[]> parse, Func<Exception, bool> documented, Limits limits)
    {
        Exception? error = null;
        long allocated = 0;
        var worker = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { parse(input.Bytes); }
            catch (Exception e) { error = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true, Name = "fuzz case" };
        var clock = Stopwatch.StartNew();
        worker.Start();
        if (!worker.Join(limits.PerCase))
        {
            // The thread cannot be stopped; it is a background thread, so it does not keep the test host alive.
            tally.Crash("hang", $"{name}: {input}: still running after {limits.PerCase.TotalSeconds:F0} s (hang){Saved(tally, input)}", hung: true);
            return;
        }
        var elapsed = clock.Elapsed;
        long bound = limits.AllocationBound(input.Bytes.Length);
        if (allocated > bound)
        {
            tally.Count(null, elapsed, allocated);
            tally.Failures.Add(("allocation above the bound", $"{name}: {input}: allocated {allocated:N0} bytes, above the bound of {bound:N0} " +
                $"({(error is null ? "accepted" : error.GetType().Name)}){Saved(tally, input)}"));
        }
        else if (error is null) tally.Count(true, elapsed, allocated);
        else if (documented(error)) tally.Count(false, elapsed, allocated);
        else
        {
            tally.Count(null, elapsed, allocated);
            var frame = error.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
            tally.Failures.Add(($"{error.GetType().FullName} {frame}", $"{name}: {input}: {error.GetType().FullName}: {error.Message} {frame}{Saved(tally, input)}"));
        }
    }

    /// <summary>Writes a crashing input where it can be replayed from, and says where (the first few of each test).</summary>
    static string Saved(FuzzTally tally, FuzzInput input)
    {
        if (tally.Failures.Count >= 20) return "";
        try
        {
            var folder = Path.Combine(Path.GetTempPath(), "visionlab-fuzz-failures");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, $"{string.Concat(tally.Parser.Split(Path.GetInvalidFileNameChars()))}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input.Bytes))[..12]}.bin");
            File.WriteAllBytes(file, input.Bytes);
            return $" [input saved to {file}]";
        }
        catch (IOException) { return ""; }
    }

    /// <summary>Prints the counts (test output and diagnostic messages) and fails on any crash.</summary>
    public static void Report(params FuzzTally[] tallies) => Report(tallies, known: []);

    /// <summary>
    /// Prints the counts and fails on any crash, except that crashes of a known kind (a bug reported to the owner of
    /// code these tests may not change: <paramref name="known"/> maps a substring of the kind to the report) skip the
    /// test instead, naming the bug, so that it stays visible without failing every build. Once fixed, the test passes.
    /// </summary>
    public static void Report(IReadOnlyList<FuzzTally> tallies, IReadOnlyList<(string Kind, string Bug)> known)
    {
        Print(tallies);
        Check(tallies, known);
    }

    /// <summary>Writes the counts to the test output and diagnostic messages (and to the file <see cref="ReportVariable"/> names, if set).</summary>
    public static void Print(IReadOnlyList<FuzzTally> tallies)
    {
        foreach (var tally in tallies)
        {
            var line = $"[fuzz x{Scale}] {tally}";
            TestContext.Current.TestOutputHelper?.WriteLine(line);
            TestContext.Current.SendDiagnosticMessage(line);
            if (Environment.GetEnvironmentVariable(ReportVariable) is { Length: > 0 } report)
                File.AppendAllText(report, line + Environment.NewLine);
        }
    }

    /// <summary>Fails on any crash; skips (naming the bug) when every crash is of a known kind.</summary>
    public static void Check(IReadOnlyList<FuzzTally> tallies, IReadOnlyList<(string Kind, string Bug)> known)
    {
        // One example of each kind of crash (the same bug tends to crash many inputs).
        var kinds = tallies.SelectMany(t => t.Failures.Select(f => (t.Parser, f.Kind, f.Detail)))
            .GroupBy(f => (f.Parser, f.Kind))
            .Select(g => $"{g.Count()} x {g.Key.Parser}: {g.Key.Kind}\n    e.g. {g.First().Detail}")
            .ToList();
        if (Environment.GetEnvironmentVariable(ReportVariable) is { Length: > 0 } file)
            File.AppendAllLines(file, kinds);
        var unknown = tallies.SelectMany(t => t.Failures).Where(f => !known.Any(k => f.Kind.Contains(k.Kind))).ToList();
        Assert.True(unknown.Count == 0,
            $"{tallies.Sum(t => t.Crashes)} fuzz case(s) ended in neither a result nor the documented error:\n" + string.Join("\n", kinds));
        var seen = known.Where(k => tallies.Any(t => t.Failures.Any(f => f.Kind.Contains(k.Kind)))).ToList();
        if (seen.Count > 0)
            Assert.Skip($"Known bug(s), not yet fixed where they live: {string.Join("; ", seen.Select(k => k.Bug))}\n" + string.Join("\n", kinds));
    }
}
