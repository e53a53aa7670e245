using static TorchSharp.torch;

namespace VisionLab.Data;

/// <summary>What decides the class of a <see cref="SyntheticShapes"/> image.</summary>
public enum SyntheticTask
{
    /// <summary>The object's outline: circle, square, triangle, cross, ring or diamond (global structure; CNNs learn it quickly).</summary>
    Shape,
    /// <summary>
    /// The pattern on the object (solid, horizontal, vertical or diagonal stripes, checkerboard) whatever its outline
    /// (circle, square or diamond): local evidence that a patch-based transformer can pick up in a few epochs.
    /// </summary>
    Pattern,
}

/// <summary>
/// Images whose answer to "where is the object?" is known: one object of random size, colour and place on a noisy,
/// smoothly shaded background with a few distractor dots; its outline or its pattern is the class
/// (<see cref="SyntheticTask"/>). Every image and its object mask are generated on demand from (seed, index), so the set costs
/// no memory and is the same on every machine. Used to check that explanations (attention, Grad-CAM) point at the
/// object.
/// </summary>
public sealed class SyntheticShapes : IImageDataset
{
    static readonly string[] ShapeNames = ["circle", "square", "triangle", "cross", "ring", "diamond"];
    static readonly string[] PatternNames = ["solid", "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard"];
    static readonly int[] PatternOutlines = [0, 1, 5];   // circle, square, diamond

    public SyntheticShapes(int count, int seed = 0, int size = 32, int minRadius = 5, int maxRadius = 9, SyntheticTask task = SyntheticTask.Shape)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "The count cannot be negative.");
        if (size < 16) throw new ArgumentOutOfRangeException(nameof(size), "Images smaller than 16x16 leave no room for a shape.");
        if (minRadius < 3 || maxRadius < minRadius || 2 * maxRadius + 2 > size)
            throw new ArgumentOutOfRangeException(nameof(maxRadius), $"Radii must satisfy 3 <= min <= max and fit the image ({minRadius}..{maxRadius} in {size}x{size}).");
        (Count, Seed, Size, MinRadius, MaxRadius, Task) = (count, seed, size, minRadius, maxRadius, task);
    }

    public SyntheticTask Task { get; }
    public int Count { get; }
    public int Seed { get; }
    public int Size { get; }
    public InputFormat Format => InputFormat.Of(3, Size, Size);
    public int MinRadius { get; }
    public int MaxRadius { get; }
    public IReadOnlyList<string> Classes => Task == SyntheticTask.Shape ? ShapeNames : PatternNames;
    public int Label(int index) => Describe(index, out _).Label;

    /// <summary>A uint8 [3, Size, Size] image.</summary>
    public Tensor Image(int index) => tensor(Render(index).Pixels, [3, Size, Size], ScalarType.Byte);

    /// <summary>The object's pixels: a bool [Size, Size] tensor.</summary>
    public Tensor Mask(int index) => tensor(Render(index).Mask, [Size, Size], ScalarType.Bool);

    /// <summary>Masks of several images: bool [N, Size, Size].</summary>
    public Tensor Masks(IReadOnlyList<int> indices)
    {
        var all = new bool[indices.Count * Size * Size];
        for (int i = 0; i < indices.Count; i++) Render(indices[i]).Mask.CopyTo(all, i * Size * Size);
        return tensor(all, [indices.Count, Size, Size], ScalarType.Bool);
    }

    readonly record struct Description(int Label, int Outline, double CenterX, double CenterY, double Radius, double Angle);

    /// <summary>The shape of one image; <paramref name="random"/> continues the image's own random sequence for its pixels.</summary>
    Description Describe(int index, out Random random)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside the {Count} images.");
        random = Core.Seeds.ForItem(Seed, 0x5AFE, index);   // stable across processes (HashCode is not)
        int label = random.Next(Classes.Count);
        int outline = Task == SyntheticTask.Shape ? label : PatternOutlines[random.Next(PatternOutlines.Length)];
        double radius = MinRadius + random.NextDouble() * (MaxRadius - MinRadius);
        double margin = radius + 1;
        double cx = margin + random.NextDouble() * (Size - 2 * margin), cy = margin + random.NextDouble() * (Size - 2 * margin);
        return new Description(label, outline, cx, cy, radius, random.NextDouble() * Math.PI / 6 - Math.PI / 12);
    }

    (byte[] Pixels, bool[] Mask) Render(int index)
    {
        var shape = Describe(index, out var random);

        // Background: a random linear shade plus noise; object: a colour far from the background's mean.
        var background = RandomColour(random);
        var shade = new[] { random.NextDouble() * 60 - 30, random.NextDouble() * 60 - 30 };
        var objectColour = Contrasting(background, random);
        // Stripes: much darker than a light object, much lighter than a dark one, so the pattern is always visible.
        bool lightObject = objectColour.Average() > 110;
        var stripeColour = objectColour.Select(c => lightObject ? c * 0.3 : c + (255 - c) * 0.7).ToArray();
        var pixels = new byte[3 * Size * Size];
        var mask = new bool[Size * Size];
        double cos = Math.Cos(shape.Angle), sin = Math.Sin(shape.Angle);
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                // Shape coordinates: rotated, relative to the centre, in units of the radius.
                double dx = x + 0.5 - shape.CenterX, dy = y + 0.5 - shape.CenterY;
                double u = (cos * dx + sin * dy) / shape.Radius, v = (-sin * dx + cos * dy) / shape.Radius;
                bool inside = Inside(shape.Outline, u, v);
                mask[y * Size + x] = inside;
                double ramp = (shade[0] * x + shade[1] * y) / Size;
                for (int c = 0; c < 3; c++)
                {
                    double value = !inside ? background[c] + ramp
                        : Task == SyntheticTask.Pattern && Stripe(shape.Label, x, y) ? stripeColour[c] : objectColour[c];
                    value += random.NextDouble() * 30 - 15;
                    pixels[c * Size * Size + y * Size + x] = (byte)Math.Clamp(Math.Round(value), 0, 255);
                }
            }
        // Distractors: small dots in the object's colour away from the object, so colour alone does not locate it.
        int dots = random.Next(2, 5);
        for (int d = 0; d < dots; d++)
        {
            int px = random.Next(Size - 1), py = random.Next(Size - 1);
            if (Math.Abs(px - shape.CenterX) < shape.Radius + 2 && Math.Abs(py - shape.CenterY) < shape.Radius + 2) continue;
            for (int y = py; y < py + 2; y++)
                for (int x = px; x < px + 2; x++)
                    for (int c = 0; c < 3; c++) pixels[c * Size * Size + y * Size + x] = (byte)objectColour[c];
        }
        return (pixels, mask);
    }

    /// <summary>Whether pixel (x, y) is on a stripe of the pattern (stripes two pixels wide).</summary>
    static bool Stripe(int pattern, int x, int y) => pattern switch
    {
        1 => y / 2 % 2 == 0,
        2 => x / 2 % 2 == 0,
        3 => (x + y) / 2 % 2 == 0,
        4 => (x / 2 + y / 2) % 2 == 0,
        _ => false,
    };

    static bool Inside(int outline, double u, double v) => outline switch
    {
        0 => u * u + v * v <= 1,                                                   // circle
        1 => Math.Abs(u) <= 0.8 && Math.Abs(v) <= 0.8,                             // square
        2 => v <= 0.7 && v >= -1 + 1.7 * Math.Abs(u) / 0.98,                       // triangle, apex up
        3 => Math.Abs(u) <= 1 && Math.Abs(v) <= 1 && (Math.Abs(u) <= 0.3 || Math.Abs(v) <= 0.3), // cross
        4 => u * u + v * v <= 1 && u * u + v * v >= 0.36,                          // ring
        _ => Math.Abs(u) + Math.Abs(v) <= 1,                                       // diamond
    };

    static double[] RandomColour(Random random) => [40 + random.NextDouble() * 176, 40 + random.NextDouble() * 176, 40 + random.NextDouble() * 176];

    static double[] Contrasting(double[] background, Random random)
    {
        // Push every channel at least 70 levels away from the background, in a random direction where both fit.
        var colour = new double[3];
        for (int c = 0; c < 3; c++)
        {
            bool up = background[c] + 70 <= 255 && (background[c] - 70 < 0 || random.NextDouble() < 0.5);
            colour[c] = up ? background[c] + 70 + random.NextDouble() * (255 - background[c] - 70) : random.NextDouble() * (background[c] - 70);
        }
        return colour;
    }
}
