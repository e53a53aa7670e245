using VisionLab.Cli;

namespace VisionLab.Tests.Docs;

/// <summary>
/// Issue 34: the front page and docs/ keep their promises to a reader: every relative link and #anchor leads
/// somewhere, every `visionlab` command and option they name exists in the command line's parser, the front page
/// stays short, and each CI workflow calls the script it names.
/// </summary>
public sealed class DocsTests
{
    static IEnumerable<string> Pages() =>
        new[] { Path.Combine(Repository.Root, "README.md") }.Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order(StringComparer.Ordinal));

    static string? ReadMarkdown(string path) => path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && File.Exists(path) ? File.ReadAllText(path) : null;

    [Fact]
    public void Every_relative_link_and_anchor_resolves()
    {
        var broken = Pages().SelectMany(p => MarkdownReferences.BrokenLinks(p, File.ReadAllText(p), ReadMarkdown)).ToList();
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void Every_command_and_option_named_exists()
    {
        var root = VisionLabRoot.Create();
        var unknown = Pages().SelectMany(p => MarkdownReferences.UnknownCommandLines(p, File.ReadAllText(p), root)).ToList();
        Assert.True(unknown.Count == 0, string.Join("\n", unknown));
    }

    [Fact]
    public void The_checker_finds_a_broken_link_anchor_command_and_option()
    {
        using var folder = new TemporaryFolder();
        var page = Path.Combine(folder.Path, "page.md");
        File.WriteAllText(Path.Combine(folder.Path, "other.md"), "# Other page\n## Run it: `train`\n");
        var markdown = "# Page\n[ok](other.md#run-it-train) [gone](missing.md) [bad anchor](other.md#nope) [self](#page)\n" +
                       "Run `visionlab train --epochs 3 --epoch 4` or `visionlab trian`.\n```bash\nvisionlab bench train --batches 3 \\\n  --bogus\n```\n" +
                       "## train\nThe option `--lr` exists, `--learning-rate` does not; `export --overwrite` does.\n";
        File.WriteAllText(page, markdown);
        var links = MarkdownReferences.BrokenLinks(page, markdown, ReadMarkdown).ToList();
        Assert.Equal(2, links.Count);
        Assert.Contains(links, l => l.Contains("missing.md") && l.Contains("leads to no file"));
        Assert.Contains(links, l => l.Contains("other.md#nope") && l.Contains("does not have"));
        var commands = MarkdownReferences.UnknownCommandLines(page, markdown, VisionLabRoot.Create()).ToList();
        Assert.Equal(4, commands.Count);
        Assert.Contains(commands, c => c.EndsWith("train has no option --epoch"));
        Assert.Contains(commands, c => c.Contains("names no visionlab command (trian)"));
        Assert.Contains(commands, c => c.Contains("bench train has no option --bogus"));
        Assert.Contains(commands, c => c.Contains("train has no option --learning-rate"));
    }

    [Fact]
    public void The_front_page_is_short_and_links_every_docs_page()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Assert.InRange(readme.Split('\n').Length, 1, 151);
        foreach (var page in Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md"))
            Assert.Contains($"(docs/{Path.GetFileName(page)})", readme);
        Assert.DoesNotMatch(@"20\d\d-\d\d-\d\d|MKL|oneDNN|ONEDNN|AVX|EPYC|Xeon", readme);
    }

    [Theory]
    [InlineData("ci.yml", "bash .ci/run")]
    [InlineData("book.yml", "-- tutorial --profile smoke")]
    public void Each_workflow_calls_the_script_it_names(string workflow, string command)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, ".github", "workflows", workflow));
        Assert.Contains(command, text);
        // Every repository script a workflow runs exists, so a rename cannot leave a workflow calling nothing.
        foreach (System.Text.RegularExpressions.Match script in System.Text.RegularExpressions.Regex.Matches(text, @"(?<=\s)\.?[\w./-]+\.(?:sh|py)\b|(?<=bash )\.ci/[\w.-]+"))
            if (!script.Value.StartsWith('/'))   // /tmp/dotnet-install.sh and the like are downloaded, not ours
                Assert.True(File.Exists(Path.Combine(Repository.Root, script.Value)), $"{workflow} runs {script.Value}, which does not exist");
    }
}
