namespace VisionLab.Visualization;

/// <summary>
/// How many pictures and charts were rendered for display, by the visualizers here and by the notebook formatters,
/// so a notebook's checks can verify its figures were shown. Charts count only when a browser can draw them (the
/// figure has a trace with data); whether one did is checked in a real browser by CI.
/// </summary>
public static class RenderCounts
{
    static int _images, _charts;

    public static int Images => _images;
    public static int Charts => _charts;

    public static void CountImage() => Interlocked.Increment(ref _images);
    public static void CountChart() => Interlocked.Increment(ref _charts);
}
