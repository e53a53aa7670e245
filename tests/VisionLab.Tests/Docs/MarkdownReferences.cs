using System.CommandLine;
using System.Text.RegularExpressions;

namespace VisionLab.Tests.Docs;

/// <summary>
/// Reads markdown as a reader follows it: relative links and their #anchors (GitHub's heading slugs), and every
/// `visionlab` command line named in code, checked against the command line's own parser. Returns problems, one line
/// each, naming the file and line.
/// </summary>
public static partial class MarkdownReferences
{
    /// <summary>GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2.</summary>
    public static List<string> Anchors(string markdown)
    {
        var anchors = new List<string>();
        var seen = new Dictionary<string, int>();
        foreach (var (line, _) in ProseLines(markdown))
        {
            var heading = HeadingPattern().Match(line);
            if (!heading.Success) continue;
            var text = LinkTextPattern().Replace(heading.Groups["text"].Value, "${text}").Replace("`", "");
            var slug = string.Concat(text.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')).Replace(' ', '-');
            var unique = seen.TryGetValue(slug, out var count) ? $"{slug}-{count}" : slug;
            seen[slug] = count + 1;
            anchors.Add(unique);
        }
        return anchors;
    }

    /// <summary>Relative links (files and #anchors) of <paramref name="file"/> that lead nowhere.</summary>
    public static IEnumerable<string> BrokenLinks(string file, string markdown, Func<string, string?> readMarkdown)
    {
        foreach (var (line, number) in ProseLines(markdown))
            foreach (Match link in LinkPattern().Matches(line))
            {
                var target = link.Groups["target"].Value.Trim();
                if (target.Length == 0 || UriPattern().IsMatch(target)) continue;
                var hash = target.IndexOf('#');
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(path)));
                if (!File.Exists(resolved) && !Directory.Exists(resolved)) { yield return $"{file}:{number}: the link ({target}) leads to no file"; continue; }
                if (anchor is null) continue;
                var content = readMarkdown(resolved);
                if (content is null) yield return $"{file}:{number}: the link ({target}) has an #anchor into a file that is not markdown";
                else if (!Anchors(content).Contains(anchor)) yield return $"{file}:{number}: the link ({target}) names a heading that {Path.GetFileName(resolved)} does not have";
            }
    }

    /// <summary>Every `visionlab` command named in code (spans, blocks) whose command, subcommand or options the parser does not know.</summary>
    public static IEnumerable<string> UnknownCommandLines(string file, string markdown, RootCommand root)
    {
        var commandsByName = root.Subcommands.ToDictionary(c => c.Name);
        Command? section = null;   // a heading naming a command makes its bare `--options` that command's
        foreach (var (code, number, isHeading) in CodeFragments(markdown))
        {
            if (isHeading)
            {
                section = Resolve(root, code.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(t => t == "visionlab").ToArray(), out var used) is var c && used > 0 ? c : null;
                continue;
            }
            foreach (var (tokens, explicitCommand) in Invocations(code, commandsByName))
            {
                var command = explicitCommand ? Resolve(root, tokens, out var used) : section;
                if (command is null)
                {
                    if (explicitCommand) yield return $"{file}:{number}: `{code}` names no visionlab command ({tokens.FirstOrDefault()})";
                    continue;
                }
                foreach (var option in tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)).Select(OptionName).Where(o => o.Length > 2))
                    if (!Knows(root, command, option))
                        yield return $"{file}:{number}: `{code}`: visionlab {CommandPath(command)} has no option {option}";
            }
        }
    }

    /// <summary>The command lines in one code fragment: after "visionlab" or "VisionLab.Cli [...] --", or a span opening with a command's name or an option.</summary>
    static IEnumerable<(string[] Tokens, bool ExplicitCommand)> Invocations(string code, Dictionary<string, Command> commands)
    {
        foreach (var part in code.Split(["&&", "||", ";", "|", "#", "$("], StringSplitOptions.None).Select(p => p.Trim()))
        {
            var tokens = part.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            int start = tokens.FindIndex(t => t == "visionlab");
            int cli = tokens.FindIndex(t => t.EndsWith("VisionLab.Cli", StringComparison.Ordinal));
            if (cli >= 0)
            {
                int dashes = tokens.FindIndex(cli, t => t == "--");
                if (dashes >= 0) start = dashes;
                else continue;   // "dotnet run --project lib/VisionLab.Cli" alone: dotnet's options, not ours
            }
            if (start >= 0)
            {
                var rest = tokens.Skip(start + 1).ToArray();
                if (rest.Length == 0 || rest[0].StartsWith('<') || rest[0].StartsWith("--", StringComparison.Ordinal) && !rest[0].StartsWith("--device") && !rest[0].StartsWith("--threads")) continue;
                yield return (rest, true);
            }
            else if (tokens.Count > 1 && commands.ContainsKey(tokens[0]) && tokens.Skip(1).Any(t => t.StartsWith("--", StringComparison.Ordinal)) && part == code.Trim())
                yield return (tokens.ToArray(), true);   // prose names options with their command: `train --epochs`
            else if (tokens.Count > 0 && tokens[0].StartsWith("--", StringComparison.Ordinal) && part == code.Trim())
                yield return (tokens.ToArray(), false);   // a bare `--option`: the section's command's
        }
    }

    static Command? Resolve(RootCommand root, IReadOnlyList<string> tokens, out int used)
    {
        Command command = root;
        used = 0;
        foreach (var token in tokens.Where(t => !t.StartsWith("--", StringComparison.Ordinal)))
        {
            var next = command.Subcommands.FirstOrDefault(c => c.Name == token.Trim('`', ',', '.', ':'));
            if (next is null) break;
            command = next;
            used++;
        }
        return used == 0 ? null : command;
    }

    static bool Knows(RootCommand root, Command command, string option) =>
        option is "--help" || command.Options.Any(o => o.Name == option || o.Aliases.Contains(option))
        || root.Options.Any(o => o.Recursive && o.Name == option)
        || command.Subcommands.Any(s => s.Options.Any(o => o.Name == option));   // `bench --compare-pytorch`: its subcommands' option

    static string OptionName(string token) => OptionPattern().Match(token).Value;

    static string CommandPath(Command command) => command.Parents.OfType<Command>().FirstOrDefault() is { } parent and not RootCommand ? $"{CommandPath(parent)} {command.Name}" : command.Name;

    /// <summary>Lines outside fenced code blocks, numbered from 1.</summary>
    static IEnumerable<(string Line, int Number)> ProseLines(string markdown)
    {
        bool fenced = false;
        var lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) { fenced = !fenced; continue; }
            if (!fenced) yield return (lines[i], i + 1);
        }
    }

    /// <summary>Code spans of prose (headings' text too, flagged), and whole lines of fenced blocks (with `\` continuations joined).</summary>
    static IEnumerable<(string Code, int Number, bool IsHeading)> CodeFragments(string markdown)
    {
        bool fenced = false;
        var lines = markdown.Split('\n');
        var pending = "";
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) { fenced = !fenced; continue; }
            if (fenced)
            {
                if (line.TrimEnd().EndsWith('\\')) { pending += line.TrimEnd()[..^1] + " "; continue; }
                yield return (pending + line, i + 1, false);
                pending = "";
                continue;
            }
            if (HeadingPattern().Match(line) is { Success: true } heading)
            {
                yield return (heading.Groups["text"].Value.Replace("`", "").Trim(), i + 1, true);
                continue;
            }
            foreach (Match span in CodeSpanPattern().Matches(line)) yield return (span.Groups["code"].Value, i + 1, false);
        }
    }

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")] private static partial Regex HeadingPattern();
    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")] private static partial Regex LinkTextPattern();
    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]*)(?:\s+""[^""]*"")?\)")] private static partial Regex LinkPattern();
    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)] private static partial Regex UriPattern();
    [GeneratedRegex(@"(?<!`)`(?<code>[^`]+)`(?!`)")] private static partial Regex CodeSpanPattern();
    [GeneratedRegex(@"^--[A-Za-z0-9][A-Za-z0-9-]*")] private static partial Regex OptionPattern();
}
