using System.Text.RegularExpressions;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Architecture;

/// <summary>
/// The layers of docs/architecture.md, kept true: every folder of the task assembly is a namespace, each
/// namespace uses only namespaces of a lower layer (never one beside or above it), so the graph has no
/// cycle; and only the MSBuild tasks are public.
/// </summary>
[TestClass]
public sealed partial class LayeringTests
{
    /// <summary>The layer of each namespace, bottom (0) to top. Keep in step with docs/architecture.md.</summary>
    private static readonly IReadOnlyDictionary<string, int> Layers = new Dictionary<string, int>
    {
        ["Resources"] = 0,
        ["Diagnostics"] = 1,
        ["Processes"] = 2,
        ["Platforms"] = 2,
        ["Oci"] = 3,
        ["Dockerfiles"] = 3,
        ["Registry"] = 4,
        ["Images"] = 4,
        ["Building"] = 4,
        ["Containers"] = 4,
        ["Validation"] = 5,
        ["Publishing"] = 5,
        ["Kubernetes"] = 5,
        ["Tasks"] = 6,
    };

    private static string Source => Path.Combine(Repository.Root, "src", "MultiArch.Build");

    [GeneratedRegex(@"^namespace MultiArch\.Build\.(\w+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^using (?:static )?MultiArch\.Build\.(\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])MultiArch\.Build\.(\w+)\.")]
    private static partial Regex QualifiedName();

    /// <summary>Namespace → the namespaces its code uses (by using directive or a qualified name), read from the source.</summary>
    private static Dictionary<string, HashSet<string>> Graph()
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
        {
            var text = File.ReadAllText(file);
            var own = NamespaceLine().Match(text);
            Assert.IsTrue(own.Success, $"{file} declares no MultiArch.Build namespace");
            var folder = Path.GetRelativePath(Source, file).Split(Path.DirectorySeparatorChar)[0];
            Assert.AreEqual(folder, own.Groups[1].Value, $"{file}: the namespace must name its folder");

            var code = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
            var used = UsingLine().Matches(code).Select(m => m.Groups[1].Value)
                .Concat(QualifiedName().Matches(code).Select(m => m.Groups[1].Value))
                .Where(n => n != folder);
            if (!graph.TryGetValue(folder, out var set))
            {
                graph[folder] = set = [];
            }

            set.UnionWith(used);
        }

        return graph;
    }

    [TestMethod]
    public void Every_namespace_has_a_layer()
    {
        var unknown = Graph().Keys.Concat(Graph().Values.SelectMany(v => v)).Distinct().Where(n => !Layers.ContainsKey(n)).ToList();
        Assert.AreEqual(0, unknown.Count, "namespaces without a layer (add them here and to docs/architecture.md): " + string.Join(", ", unknown));
    }

    [TestMethod]
    public void No_namespace_uses_one_beside_or_above_it()
    {
        var violations = Graph()
            .SelectMany(e => e.Value.Where(Layers.ContainsKey).Where(u => Layers[u] >= Layers[e.Key]).Select(u => $"{e.Key} (layer {Layers[e.Key]}) uses {u} (layer {Layers[u]})"))
            .ToList();
        Assert.AreEqual(0, violations.Count, string.Join("\n", violations));
    }

    [TestMethod]
    public void The_namespace_graph_has_no_cycle()
    {
        var graph = Graph();
        var state = new Dictionary<string, int>();
        var path = new Stack<string>();
        string? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 1)
            {
                return string.Join(" -> ", path.Reverse().Append(node));
            }

            if (state.GetValueOrDefault(node) == 2)
            {
                return null;
            }

            state[node] = 1;
            path.Push(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.Pop();
            state[node] = 2;
            return null;
        }

        foreach (var node in graph.Keys)
        {
            Assert.IsNull(Visit(node), "cycle");
        }
    }

    [TestMethod]
    public void The_architecture_doc_names_every_layer()
    {
        var doc = File.ReadAllText(Repository.Docs("architecture.md"));
        foreach (var name in Layers.Keys)
        {
            StringAssert.Contains(doc, $"`{name}/`", $"docs/architecture.md does not describe {name}/");
        }
    }

    [TestMethod]
    public void Only_the_msbuild_tasks_are_public()
    {
        var exported = typeof(ResolveContainerPlatforms).Assembly.GetExportedTypes();
        var notTasks = exported.Where(t => !typeof(Microsoft.Build.Framework.ITask).IsAssignableFrom(t)).Select(t => t.FullName).ToList();
        Assert.AreEqual(0, notTasks.Count, "public types that are not MSBuild tasks: " + string.Join(", ", notTasks));
        Assert.IsTrue(exported.All(t => t.Namespace == "MultiArch.Build.Tasks"));
        Assert.IsTrue(exported.Length >= 6);
    }
}
