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
        var text = File.ReadAllText(path);
        string Header(string name, string fallback)
            => text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith($"# {name}:", StringComparison.Ordinal))?[(name.Length + 3)..].Trim() ?? fallback;

        var options = new DockerfileCheckOptions
        {
            TargetPlatforms = Header("platforms", DefaultPlatforms).Split(',').Select(OciPlatform.Parse).ToList(),
            NativePlatforms = Header("native", "linux/amd64").Split(',').Select(OciPlatform.Parse).ToList(),
            BuildTarget = Header("target", "") is { Length: > 0 } t ? t : null,
        };
        var expected = Header("expect", "(missing)");
        Assert.AreNotEqual("(missing)", expected, $"{file} has no '# expect:' line");

        var parsed = DockerfileParser.Parse(text, path);
        Assert.IsFalse(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        var findings = DockerfileAnalyzer.Analyze(parsed.Document, options);

        var actual = findings.Select(f => $"{f.Code}@{f.Line}").Order(StringComparer.Ordinal).ToList();
        var wanted = expected == "none" ? [] : expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(wanted, actual, $"{file}:\n{string.Join("\n", findings)}");
        Assert.IsTrue(findings.All(f => f.File == path && f.Line > 0 && f.Message.Length > 0));
    }

    [TestMethod]
    public void Corpus_is_not_empty()
    {
        Assert.IsTrue(CorpusFiles().Count() >= 15);
    }
}
