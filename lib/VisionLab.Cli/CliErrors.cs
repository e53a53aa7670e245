using Spectre.Console;
using VisionLab.Core;

namespace VisionLab.Cli;

/// <summary>A mistake in the command line itself that the parser cannot see (a combination of options, an unusable path).</summary>
public sealed class UsageException(string message) : ActionableException(message);

/// <summary>
/// The command line's one error path. User errors (bad arguments, unreadable or mismatched files, unwritable outputs, a
/// diverging run) print one line that names the file or option and what to do; anything else is a bug and prints its
/// stack trace under a line that says so. Exit codes (docs/reliability.md, "Errors and exit codes"):
/// </summary>
public static class CliErrors
{
    public const int Success = 0;
    /// <summary>The command ran but some of its work failed (a notebook's check, an unreadable image among many).</summary>
    public const int PartialFailure = 1;
    public const int UserError = 2;
    /// <summary>An unexpected exception: a bug (EX_SOFTWARE).</summary>
    public const int Bug = 70;
    public const int Interrupted = 130;

    /// <summary>Exceptions whose message is the whole story: the user can act on it.</summary>
    public static bool IsUserError(Exception e) => e is ActionableException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException or InvalidDataException or PathTooLongException;

    public static int Report(Exception e)
    {
        if (e is OperationCanceledException) { AnsiConsole.MarkupLine("[yellow]Interrupted.[/]"); return Interrupted; }
        if (IsUserError(e))
        {
            WriteError(e.Message);
            return UserError;
        }
        Console.Error.WriteLine("visionlab: unexpected error. This is a bug; please report it with the lines below.");
        Console.Error.WriteLine(e);
        return Bug;
    }

    /// <summary>
    /// The parser's words for a value that did not parse ("Cannot parse argument 'abc' for option '--epochs' as
    /// expected type 'System.Int32'") in the user's: the option, the value and what it takes.
    /// </summary>
    public static string Friendly(string parserMessage)
    {
        var match = System.Text.RegularExpressions.Regex.Match(parserMessage,
            @"^Cannot parse argument '(?<value>.*)' for (?<kind>option|command|argument) '(?<name>[^']+)' as expected type '(?<type>[^']+)'", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!match.Success) return parserMessage;
        var type = match.Groups["type"].Value;
        var takes = type.Contains("System.Int32") ? $"a whole number from {int.MinValue} to {int.MaxValue}"
            : type.Contains("System.Int64") ? "a whole number (digits only, e.g. 40000000)"
            : type.Contains("System.Double") ? "a number (e.g. 0.001 or 1e-3)"
            : type.Contains("System.Boolean") ? "true or false"
            : type.Contains("System.IO.FileInfo") || type.Contains("System.IO.DirectoryInfo") ? "a usable path"
            : Type.GetType($"{type}, VisionLab") is { IsEnum: true } choice ? $"one of {string.Join(", ", Enum.GetNames(choice))}"
            : type.Split('.', '[', ']', '`', ',').LastOrDefault(p => p.Length > 1 && char.IsUpper(p[0])) is { } name ? $"one of the values of {name} (see --help)" : "a value it takes";
        var who = match.Groups["kind"].Value == "command" ? $"visionlab {match.Groups["name"].Value}" : match.Groups["name"].Value;
        return $"{who}: '{match.Groups["value"].Value}' is not {takes}.";
    }

    /// <summary>One line on standard error, "error: ..." (no markup interpretation of the message).</summary>
    public static void WriteError(string message) =>
        Console.Error.WriteLine("error: " + string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
}
