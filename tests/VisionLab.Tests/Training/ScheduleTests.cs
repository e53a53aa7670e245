using System.Text.Json;
using VisionLab.Tests.Golden;
using VisionLab.Training;

namespace VisionLab.Tests.Training;

/// <summary>CosineAnnealingWarmRestarts against PyTorch's own (tests/golden/make_model_goldens.py).</summary>
public sealed class ScheduleTests
{
    static readonly JsonElement Golden = new GoldenFile("schedule.json").Root;

    static CosineAnnealingWarmRestarts Create() =>
        new([Golden.GetProperty("base_lr").GetDouble()], Golden.GetProperty("t0").GetInt32(), Golden.GetProperty("t_mult").GetInt32(), Golden.GetProperty("eta_min").GetDouble());

    [Fact]
    [Trait("Category", "Numerics")]
    public void Per_epoch_stepping_equals_PyTorch_over_100_epochs()
    {
        var expected = Golden.GetProperty("per_epoch").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var schedule = Create();
        for (int epoch = 0; epoch < expected.Count; epoch++)
        {
            Assert.True(Math.Abs(expected[epoch] - schedule.LearningRate) < 1e-12, $"epoch {epoch}: {schedule.LearningRate} vs PyTorch {expected[epoch]}");
            schedule.Step();
        }
    }

    [Fact]
    [Trait("Category", "Numerics")]
    public void Per_batch_fractional_stepping_equals_PyTorch()
    {
        var expected = Golden.GetProperty("per_batch").EnumerateArray().Select(e => e.GetDouble()).ToList();
        int iters = Golden.GetProperty("per_batch_iters").GetInt32();
        var schedule = Create();
        for (int step = 0; step < expected.Count; step++)
        {
            schedule.Step(step / iters + (double)(step % iters) / iters);
            Assert.True(Math.Abs(expected[step] - schedule.LearningRate) < 1e-12, $"step {step}: {schedule.LearningRate} vs PyTorch {expected[step]}");
        }
    }

    [Fact]
    public void Restarts_happen_after_10_then_20_then_40_epochs()
    {
        var schedule = Create();
        var restarts = new List<int>();
        for (int epoch = 1; epoch <= 75; epoch++)
        {
            schedule.Step();
            if (schedule.TCur == 0) restarts.Add(epoch);
        }
        Assert.Equal([10, 30, 70], restarts);
    }

    [Fact]
    public void State_restores_exactly()
    {
        var a = Create();
        for (int i = 0; i < 13; i++) a.Step();
        var b = Create();
        b.Restore(a.State);
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(a.LearningRate, b.LearningRate);
            a.Step();
            b.Step();
        }
    }
}
