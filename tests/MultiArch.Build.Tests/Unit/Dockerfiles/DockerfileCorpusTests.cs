using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>
/// Dockerfiles modeled on real projects (Kubebuilder, Operator SDK Helm/Ansible, the .NET cross-compile
/// sample, multi-stage builds with caches and global ARGs) and broken variants of each. Every file
/// states the exact codes and lines it must produce (see TestData/Dockerfiles/README.md).
/// </summary>
[TestClass]
public sealed class DockerfileCorpusTests
{
    private const string DefaultPlatforms = "linux/arm64,linux/amd64,linux/s390x,linux/ppc64le";

    private static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "Dockerfiles");

    public static IEnumerable<object[]> CorpusFiles()
        => Directory.GetFiles(CorpusDirectory, "*.Dockerfile").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

    [TestMethod]
    [DynamicData(nameof(CorpusFiles))]
    public void Corpus_file_produces_exactly_the_expected_findings(string file)
    {
        var path = Path.Combine(CorpusDirectory, file);
        var (findings, expected) = AnalyzeCorpusFile(path);
        Assert.AreNotEqual("(missing)", expected, $"{file} has no '# expect:' line");

        var actual = findings.Select(f => $"{f.Code}@{f.Line}").Order(StringComparer.Ordinal).ToList();
        var wanted = expected == "none" ? [] : expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(wanted, actual, $"{file}:\n{string.Join("\n", findings)}");
        Assert.IsTrue(findings.All(f => f.File == path && f.Line > 0 && f.Message.Length > 0));
    }

    /// <summary>Analyzes a corpus file with the platforms, native platforms and target its comment lines name; returns the findings and its '# expect:' value.</summary>
    private static (IReadOnlyList<MultiArch.Build.Diagnostics.Diagnostic> Findings, string Expected) AnalyzeCorpusFile(string path)
    {
        var text = File.ReadAllText(path);
        string Header(string name, string fallback)
            => text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith($"# {name}:", StringComparison.Ordinal))?[(name.Length + 3)..].Trim() ?? fallback;

        var options = new DockerfileCheckOptions
        {
            TargetPlatforms = Header("platforms", DefaultPlatforms).Split(',').Select(OciPlatform.Parse).ToList(),
            NativePlatforms = Header("native", "linux/amd64").Split(',').Select(OciPlatform.Parse).ToList(),
            BuildTarget = Header("target", "") is { Length: > 0 } t ? t : null,
        };
        var parsed = DockerfileParser.Parse(text, path);
        Assert.IsFalse(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        return (DockerfileAnalyzer.Analyze(parsed.Document, options).ToList(), Header("expect", "(missing)"));
    }

    [TestMethod]
    public void Corpus_is_not_empty()
    {
        Assert.IsTrue(CorpusFiles().Count() >= 15);
    }

    /// <summary>
    /// The false-positive rate over real, correct Dockerfiles is zero: every "after" of a real fix and every clean real
    /// sample (tonistiigi/xx users included) gets no warning and no error, only the emulation messages. The one exception
    /// is kernel-memory's "after", whose fix chose to run dotnet under QEMU: MULTIARCH2008 there is a true finding.
    /// </summary>
    [TestMethod]
    public void Real_after_and_clean_files_get_no_warning()
    {
        var files = Directory.GetFiles(CorpusDirectory, "real-*-after.Dockerfile").Concat(Directory.GetFiles(CorpusDirectory, "real-clean-*.Dockerfile")).Order(StringComparer.Ordinal).ToList();
        Assert.IsTrue(files.Count >= 27, $"{files.Count} files");
        Assert.IsTrue(files.Count(f => Path.GetFileName(f).StartsWith("real-clean-", StringComparison.Ordinal)) >= 2);
        var readme = File.ReadAllText(Path.Combine(CorpusDirectory, "README.md"));
        foreach (var file in files)
        {
            var (findings, _) = AnalyzeCorpusFile(file);
            var name = Path.GetFileName(file);
            var allowed = name.StartsWith("real-kernelmemory-", StringComparison.Ordinal) ? new[] { "MULTIARCH2008" } : [];
            var wrong = findings.Where(f => f.Severity != MultiArch.Build.Diagnostics.DiagnosticSeverity.Message && !allowed.Contains(f.Code)).ToList();
            Assert.AreEqual(0, wrong.Count, $"{name}:\n{string.Join("\n", wrong)}");
            StringAssert.Contains(readme, name.StartsWith("real-clean-", StringComparison.Ordinal) ? $"`{name}`" : $"`{name[..^"-after.Dockerfile".Length]}-*`", name);
        }
    }

    /// <summary>
    /// Every real pair is a before and an after, recorded in the README with its source; the "before" gets a finding
    /// beyond the emulation message, and the "after" none of the codes the "before" got for its bug.
    /// </summary>
    [TestMethod]
    public void Real_pairs_are_recorded_and_only_the_before_has_findings()
    {
        var readme = File.ReadAllText(Path.Combine(CorpusDirectory, "README.md"));
        var befores = Directory.GetFiles(CorpusDirectory, "real-*-before.Dockerfile").Select(Path.GetFileName).ToList();
        Assert.IsTrue(befores.Count >= 21, $"{befores.Count} real pairs");
        foreach (var before in befores)
        {
            var pair = before![..^"-before.Dockerfile".Length];
            var after = Path.Combine(CorpusDirectory, pair + "-after.Dockerfile");
            Assert.IsTrue(File.Exists(after), $"{pair} has no after file");
            StringAssert.Contains(readme, $"`{pair}-*`", $"{pair} is not in TestData/Dockerfiles/README.md");
            foreach (var file in new[] { Path.Combine(CorpusDirectory, before), after })
            {
                StringAssert.Matches(File.ReadAllText(file), new System.Text.RegularExpressions.Regex(@"# source: https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{7,40}/\S+ \(.+\)"), file);
            }

            // A speed fix (hugomods: QEMU to tonistiigi/xx) is a pair whose "bug" is the emulation message itself.
            var expected = Expected(Path.Combine(CorpusDirectory, before)).ToHashSet();
            var bug = expected.Where(c => c != "MULTIARCH2007").ToHashSet() is { Count: > 0 } wrong ? wrong : expected;
            Assert.IsTrue(bug.Count > 0, $"{before} expects no finding of the bug");
            Assert.IsFalse(Expected(after).Any(bug.Contains), $"{pair}-after still expects a finding of the bug");
        }

        static IEnumerable<string> Expected(string file)
            => File.ReadAllLines(file).Last(l => l.StartsWith("# expect:", StringComparison.Ordinal))["# expect:".Length..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(e => e != "none").Select(e => e.Split('@')[0]);
    }
}
