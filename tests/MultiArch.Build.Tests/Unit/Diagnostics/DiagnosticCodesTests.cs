using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Diagnostics;

[TestClass]
public sealed class DiagnosticCodesTests
{
    private static readonly Regex CodePrefix = new(@"^(MULTIARCH\d{4}): ");

    private static List<(string Name, string Value, string? Comment)> Resources()
        => XDocument.Load(Repository.ResourcesFile).Root!.Elements("data")
            .Select(d => ((string)d.Attribute("name")!, (string)d.Element("value")!, (string?)d.Element("comment")))
            .ToList();

    private static List<(string Name, string Code)> CodedResources()
        => Resources().Where(r => CodePrefix.IsMatch(r.Value)).Select(r => (r.Name, CodePrefix.Match(r.Value).Groups[1].Value)).ToList();

    [TestMethod]
    public void Codes_are_unique()
    {
        var duplicates = CodedResources().GroupBy(r => r.Code).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(r => r.Name))}").ToList();
        Assert.AreEqual(0, duplicates.Count, string.Join("\n", duplicates));
    }

    [TestMethod]
    public void Coded_strings_declare_their_prefix_for_translators()
    {
        foreach (var (name, code) in CodedResources())
        {
            var comment = Resources().Single(r => r.Name == name).Comment;
            Assert.AreEqual($"{{StrBegin=\"{code}: \"}}", comment, name);
        }
    }

    /// <summary>The resource strings are the one source of codes: a diagnostic's code is read from its string, in a reserved range.</summary>
    [TestMethod]
    public void Codes_come_from_the_resource_strings_in_their_area_range()
    {
        // 1 platforms, 2 Dockerfile, 3 CLI and build, 4 registry and image reading, 5 validation,
        // 6 Kubernetes, 7 publishing and merging, 8 .NET publishing, 9 task infrastructure.
        foreach (var (name, code) in CodedResources())
        {
            Assert.AreEqual(code, DiagnosticText.CodeOf(name), name);
            StringAssert.Matches(code, new Regex("^MULTIARCH[1-9][0-9]{3}$"), name);
        }
    }

    [TestMethod]
    public void Every_code_is_explained_in_docs_diagnostics()
    {
        var doc = File.ReadAllText(Repository.Docs("diagnostics.md"));
        var missing = CodedResources().Where(r => !doc.Contains($"`{r.Code}`", StringComparison.Ordinal)).Select(r => r.Code).ToList();
        Assert.AreEqual(0, missing.Count, "undocumented: " + string.Join(", ", missing));
    }

    [TestMethod]
    public void Every_format_string_formats()
    {
        foreach (var (name, value, _) in Resources())
        {
            var placeholders = Regex.Matches(value, @"\{(\d+)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max();
            var args = Enumerable.Range(0, placeholders + 1).Select(i => (object?)$"arg{i}").ToArray();
            Assert.IsFalse(string.IsNullOrWhiteSpace(DiagnosticText.FormatWithCode(name, args)), name);
        }
    }
}
