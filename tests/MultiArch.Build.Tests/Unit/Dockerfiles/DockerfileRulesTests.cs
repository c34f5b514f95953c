using System.Text.RegularExpressions;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Dockerfiles;

/// <summary>
/// Issue 20: every Dockerfile check is a rule of its own with its code, severity, title and documentation; the
/// registry holds each once, and the docs hold each rule (a section in docs/dockerfile-checks.md whose heading is the
/// rule's code, title and severity, and a row in docs/diagnostics.md).
/// </summary>
[TestClass]
public sealed partial class DockerfileRulesTests
{
    public static IEnumerable<object[]> Rules() => DockerfileRules.All.Select(r => new object[] { r.Code });

    [GeneratedRegex(@"^## (MULTIARCH\d{4}: .*)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [TestMethod]
    public void The_registry_holds_each_rule_once_with_a_dockerfile_code()
    {
        Assert.IsTrue(DockerfileRules.All.Count >= 10);
        var codes = DockerfileRules.All.Select(r => r.Code).ToList();
        CollectionAssert.AllItemsAreUnique(codes);
        foreach (var rule in DockerfileRules.All)
        {
            StringAssert.Matches(rule.Code, new Regex("^MULTIARCH2[0-9]{3}$"), rule.GetType().Name);
            Assert.AreSame(rule, DockerfileRules.ByCode(rule.Code));
            Assert.IsFalse(string.IsNullOrWhiteSpace(rule.Title), rule.Code);
        }

        CollectionAssert.AllItemsAreUnique(DockerfileRules.All.Select(r => r.GetType()).ToList());
    }

    [TestMethod]
    [DynamicData(nameof(Rules), DynamicDataSourceType.Method)]
    public void Every_rule_has_its_section_in_docs_dockerfile_checks(string code)
    {
        var rule = DockerfileRules.ByCode(code)!;
        var doc = File.ReadAllText(Repository.Docs("dockerfile-checks.md"));
        var headings = Heading().Matches(doc).Select(m => m.Groups[1].Value.Trim()).ToList();
        var expected = $"{rule.Code}: {rule.Title} ({rule.SeverityWord})";
        CollectionAssert.Contains(headings, expected, $"docs/dockerfile-checks.md needs '## {expected}'");

        // The anchor the rule links to is the one GitHub makes of that heading; the section shows a bad and a fixed case.
        StringAssert.StartsWith(rule.DocAnchor, code.ToLowerInvariant() + "-");
        var section = doc[doc.IndexOf("## " + expected, StringComparison.Ordinal)..];
        var next = section.IndexOf("\n## ", 3, StringComparison.Ordinal);
        section = next > 0 ? section[..next] : section;
        StringAssert.Contains(section, "```dockerfile", $"the section of {code} shows no Dockerfile");
    }

    [TestMethod]
    [DynamicData(nameof(Rules), DynamicDataSourceType.Method)]
    public void Every_rule_has_its_row_in_docs_diagnostics_with_its_severity(string code)
    {
        var rule = DockerfileRules.ByCode(code)!;
        var row = File.ReadAllLines(Repository.Docs("diagnostics.md")).SingleOrDefault(l => l.StartsWith($"| `{code}` |", StringComparison.Ordinal));
        Assert.IsNotNull(row, $"docs/diagnostics.md has no row for {code}");
        var severity = row.Split('|')[2].Trim();
        Assert.AreEqual(rule.SeverityWord, severity, code);
    }

    [TestMethod]
    public void Emulation_rules_and_the_others_split_the_scopes()
    {
        // MULTIARCH2007/2008 need the builder's native platforms; everything else runs before the preflight.
        CollectionAssert.AreEquivalent(new[] { "MULTIARCH2007", "MULTIARCH2008" }, DockerfileRules.All.Where(r => r.JudgesEmulation).Select(r => r.Code).ToList());
    }
}
