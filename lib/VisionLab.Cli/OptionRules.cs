using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace VisionLab.Cli;

/// <summary>Range checks on options, reported by the parser before any work starts (one line, naming the option).</summary>
public static class OptionRules
{
    public static Option<int> AtLeast(this Option<int> option, int minimum, int maximum = int.MaxValue) =>
        option.Check(value => value < minimum || value > maximum ? $"{option.Name} must be {Range(minimum, maximum)} (got {value})." : null);

    public static Option<int?> AtLeast(this Option<int?> option, int minimum, int maximum = int.MaxValue) =>
        option.Check(value => value is { } v && (v < minimum || v > maximum) ? $"{option.Name} must be {Range(minimum, maximum)} (got {v})." : null);

    public static Option<long> AtLeast(this Option<long> option, long minimum, long maximum = long.MaxValue) =>
        option.Check(value => value < minimum || value > maximum ? $"{option.Name} must be {Range(minimum, maximum)} (got {value})." : null);

    /// <summary>Every value of a list option in [minimum, maximum].</summary>
    public static Option<int[]> EachAtLeast(this Option<int[]> option, int minimum, int maximum = int.MaxValue) =>
        option.Check(values => (values ?? []).Where(v => v < minimum || v > maximum).Select(v => (int?)v).FirstOrDefault() is { } wrong
            ? $"{option.Name} must be {Range(minimum, maximum)} (got {wrong})." : null);

    /// <summary>A finite number in (0, maximum].</summary>
    public static Option<double> Positive(this Option<double> option, double maximum = double.MaxValue) =>
        option.Check(value => !double.IsFinite(value) || value <= 0 || value > maximum
            ? string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a number above 0{(maximum < double.MaxValue ? $" and at most {maximum}" : "")} (got {value}).")
            : null);

    /// <summary>A finite number in [minimum, maximum].</summary>
    public static Option<double> Between(this Option<double> option, double minimum, double maximum) =>
        option.Check(value => !double.IsFinite(value) || value < minimum || value > maximum
            ? string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {minimum} and {maximum} (got {value}).")
            : null);

    /// <summary>One of the given values (the parser's own check does not name the option).</summary>
    public static Option<string> OneOf(this Option<string> option, params IEnumerable<string> values)
    {
        var allowed = values.ToList();
        return option.Check(value => value is not null && !allowed.Contains(value) ? $"{option.Name}: '{value}' is not one of {string.Join(", ", allowed)}." : null);
    }

    public static Option<string[]> OneOf(this Option<string[]> option, params IEnumerable<string> values)
    {
        var allowed = values.ToList();
        return option.Check(value => (value ?? []).FirstOrDefault(v => !allowed.Contains(v)) is { } wrong
            ? $"{option.Name}: '{wrong}' is not one of {string.Join(", ", allowed)}." : null);
    }

    /// <summary>A dataset name the catalog knows, or folder:PATH.</summary>
    public static Option<string> DatasetName(this Option<string> option) => option.Check(given =>
    {
        var value = given?.Trim().ToLowerInvariant() ?? "";
        return !Data.DatasetCatalog.Entries.Contains(value) && !value.StartsWith("folder:", StringComparison.Ordinal)
            ? $"{option.Name}: unknown dataset '{value}'. Choose one of: {Data.DatasetCatalog.Names}." : null;
    });

    /// <summary>
    /// Adds a check that runs only on a value that parsed: a value that did not ("--epochs abc", "--epochs 3000000000")
    /// is the parser's error to report, and asking for it here would throw instead.
    /// </summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, string?> problem)
    {
        option.Validators.Add(result =>
        {
            T value;
            try { value = result.GetValueOrDefault<T>()!; }
            catch (InvalidOperationException) { return; }   // the parser's own error names the option (CliErrors.Friendly words it)
            if (problem(value) is { } message) result.AddError(message);
        });
        return option;
    }

    static string Range<T>(T minimum, T maximum) where T : IComparable<T>, IMinMaxValue<T> =>
        maximum.CompareTo(T.MaxValue) == 0 ? string.Create(CultureInfo.InvariantCulture, $"at least {minimum}")
                                           : string.Create(CultureInfo.InvariantCulture, $"between {minimum} and {maximum}");
}
