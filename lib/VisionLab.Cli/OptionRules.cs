using System.CommandLine;
using System.Globalization;

namespace VisionLab.Cli;

/// <summary>Range checks on options, reported by the parser before any work starts (one line, naming the option).</summary>
public static class OptionRules
{
    public static Option<int> AtLeast(this Option<int> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var value && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
        });
        return option;
    }

    public static Option<int?> AtLeast(this Option<int?> option, int minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
        });
        return option;
    }

    public static Option<long> AtLeast(this Option<long> option, long minimum)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long>() is var value && value < minimum)
                result.AddError($"{option.Name} must be at least {minimum} (got {value}).");
        });
        return option;
    }

    /// <summary>A finite number in (0, maximum].</summary>
    public static Option<double> Positive(this Option<double> option, double maximum = double.MaxValue)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || value <= 0 || value > maximum)
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be a number above 0{(maximum < double.MaxValue ? $" and at most {maximum}" : "")} (got {value})."));
        });
        return option;
    }

    /// <summary>A finite number in [minimum, maximum].</summary>
    public static Option<double> Between(this Option<double> option, double minimum, double maximum)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || value < minimum || value > maximum)
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {minimum} and {maximum} (got {value})."));
        });
        return option;
    }

    /// <summary>One of the given values (the parser's own check does not name the option).</summary>
    public static Option<string> OneOf(this Option<string> option, params IEnumerable<string> values)
    {
        var allowed = values.ToList();
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !allowed.Contains(value))
                result.AddError($"{option.Name}: '{value}' is not one of {string.Join(", ", allowed)}.");
        });
        return option;
    }

    public static Option<string[]> OneOf(this Option<string[]> option, params IEnumerable<string> values)
    {
        var allowed = values.ToList();
        option.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
                if (!allowed.Contains(value)) result.AddError($"{option.Name}: '{value}' is not one of {string.Join(", ", allowed)}.");
        });
        return option;
    }

    /// <summary>A dataset name the catalog knows, or folder:PATH.</summary>
    public static Option<string> DatasetName(this Option<string> option)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>()?.Trim().ToLowerInvariant() ?? "";
            if (!Data.DatasetCatalog.Entries.Contains(value) && !value.StartsWith("folder:", StringComparison.Ordinal))
                result.AddError($"{option.Name}: unknown dataset '{value}'. Choose one of: {Data.DatasetCatalog.Names}.");
        });
        return option;
    }
}
