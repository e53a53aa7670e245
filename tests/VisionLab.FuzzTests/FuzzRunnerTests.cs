using CsCheck;

namespace VisionLab.Tests.Fuzz;

/// <summary>The fuzz harness itself: it tells results, documented errors, other exceptions, hangs and allocations apart, and draws the same inputs every run.</summary>
public sealed class FuzzRunnerTests
{
    [Fact]
    public void Each_way_a_case_can_end_is_counted_as_it_should()
    {
        var tally = new FuzzTally("harness");
        var inputs = new[] { "accept", "reject", "crash", "allocate", "hang" }.Select(s => new FuzzInput(s, FuzzInputs.Ascii(s)));
        FuzzRunner.Run(tally, "fixed", inputs, bytes =>
        {
            switch (System.Text.Encoding.ASCII.GetString(bytes))
            {
                case "reject": throw new InvalidDataException("documented");
                case "crash": throw new NullReferenceException("a bug");
                case "allocate": GC.KeepAlive(new byte[4 << 20]); break;
                case "hang": Thread.Sleep(3000); break;
            }
        }, e => e is InvalidDataException, new FuzzRunner.Limits(TimeSpan.FromMilliseconds(500), AllocationAllowance: 1 << 20));
        Assert.Equal((5, 1, 1, 3), (tally.Tried, tally.Accepted, tally.Rejected, tally.Crashes));
        Assert.Collection(tally.Failures,
            f => Assert.StartsWith("System.NullReferenceException", f.Kind),
            f => Assert.Equal("allocation above the bound", f.Kind),
            f => Assert.Equal("hang", f.Kind));
        Assert.True(tally.Hung);
    }

    [Fact]
    public void The_same_seed_draws_the_same_inputs()
    {
        var gen = FuzzInputs.Mutated("x", FuzzInputs.Ascii("a valid file with a header"), [0, 2, 4]);
        List<byte[]> Draw()
        {
            var drawn = new List<byte[]>();
            var tally = new FuzzTally("determinism");
            FuzzRunner.Run(tally, "draw", gen, seed: 42, cases: 50, bytes => drawn.Add(bytes), _ => false, new FuzzRunner.Limits(TimeSpan.FromSeconds(10)));
            return drawn;
        }
        var first = Draw();
        Assert.Equal(50, first.Count);
        Assert.Equal(first, Draw());
        Assert.True(first.Distinct(new BytesComparer()).Count() > 40);   // and they differ from each other
        var pcg = PCG.Parse(new PCG(1, 42).ToString());                   // the seed printed with a case replays it
        Assert.Equal(first[0], gen.Generate(pcg, null!, out _).Bytes);
    }

    sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] bytes) => bytes.Length;
    }
}
