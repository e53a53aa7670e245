using System.Text.Json;
using VisionLab.SelfSupervised;
using VisionLab.Tests.Golden;
using static TorchSharp.torch;

namespace VisionLab.Tests.SelfSupervised;

/// <summary>NT-Xent against a PyTorch reference of the standard formula (tests/golden/make_simclr_goldens.py).</summary>
public sealed class NtXentTests
{
    static readonly GoldenFile Golden = new("simclr.json");

    public static TheoryData<string> Cases() => new(Golden.Root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));

    static JsonElement Case(string name) => Golden.Root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>A golden case's projections and temperature, and our loss on them.</summary>
    static (Tensor Z1, Tensor Z2, double Temperature, double Loss) Load(JsonElement c)
    {
        var z1 = GoldenFile.ToTensor(c.GetProperty("z1"));
        var z2 = GoldenFile.ToTensor(c.GetProperty("z2"));
        double temperature = c.GetProperty("temperature").GetDouble();
        return (z1, z2, temperature, NtXent.Loss(z1, z2, temperature).item<float>());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Numerics")]
    public void Equals_the_reference_formula(string name)
    {
        using var scope = NewDisposeScope();
        var c = Case(name);
        Assert.Equal(c.GetProperty("nt_xent").GetDouble(), Load(c).Loss, 5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Is_symmetric_in_the_views_and_invariant_to_the_batch_order(string name)
    {
        using var scope = NewDisposeScope();
        var (z1, z2, temperature, loss) = Load(Case(name));
        Assert.Equal(loss, NtXent.Loss(z2, z1, temperature).item<float>(), 5);
        var permutation = randperm(z1.shape[0], generator: new Generator(3));
        Assert.Equal(loss, NtXent.Loss(z1[permutation], z2[permutation], temperature).item<float>(), 5);
        // Scaling an embedding changes nothing: the loss uses cosine similarity.
        Assert.Equal(loss, NtXent.Loss(z1 * 7.5, z2, temperature).item<float>(), 5);
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Differs_from_the_guides_loss_where_the_guide_is_wrong()
    {
        using var scope = NewDisposeScope();
        var c = Golden.Root.GetProperty("identical_views");
        var z = GoldenFile.ToTensor(c.GetProperty("z"));
        double loss = NtXent.Loss(z, z, 0.5).item<float>();
        Assert.Equal(c.GetProperty("nt_xent").GetDouble(), loss, 5);
        // The guide's loss on the same input (PyTorch): its first half scores the self-similarity as the positive.
        Assert.True(c.GetProperty("guide_loss").GetDouble() > loss + 0.2, $"guide {c.GetProperty("guide_loss").GetDouble():F4} vs {loss:F4}");
    }

    [Fact]
    public void Ranks_positives_and_reports_bad_input()
    {
        using var scope = NewDisposeScope();
        var z = eye(4) * 3;
        Assert.Equal(8, NtXent.PositivesRankedFirst(z, z.clone()));      // identical views: every positive is nearest
        Assert.Equal(0, NtXent.PositivesRankedFirst(z, -z));              // opposite views: every positive is farthest
        Assert.Throws<ArgumentException>(() => NtXent.Loss(ones(4, 8), ones(3, 8)));
        Assert.Throws<ArgumentException>(() => NtXent.Loss(ones(1, 8), ones(1, 8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NtXent.Loss(ones(4, 8), ones(4, 8), temperature: 0));
    }

    [Fact]
    public void Gradients_pull_positives_together()
    {
        using var scope = NewDisposeScope();
        var z1 = randn(6, 5, generator: new Generator(1)).requires_grad_();
        var z2 = randn(6, 5, generator: new Generator(2));
        var before = NtXent.Loss(z1, z2).item<float>();
        NtXent.Loss(z1, z2).backward();
        using (no_grad()) z1.sub_(z1.grad! * 0.5);
        Assert.True(NtXent.Loss(z1, z2).item<float>() < before);
    }
}
