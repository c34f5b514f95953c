using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MultiArch.Build.Kubernetes;

/// <summary>A workload found in a manifest: its kind, name, namespace and the line of its document.</summary>
internal sealed record Workload(string Kind, string Name, string? Namespace, int Line)
{
    public override string ToString() => $"{Kind} '{Name}'";
}

/// <summary>What a manifest check found: the drift diagnostics (with file, line and column) and the workloads read.</summary>
internal sealed record ManifestCheck(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<Workload> Workloads);

/// <summary>
/// Compares the node affinity of the workloads in a Kubernetes manifest (multi-document YAML, read with YamlDotNet
/// and its positions) with the platforms built, and reports at the exact line: every architecture (or OS) the
/// manifest lets pods run on that was not built (the pods would land on nodes with no image for them), and every
/// built one it omits. Judged per <c>nodeSelectorTerm</c> (terms are ORed, expressions within a term ANDed) over
/// <c>In</c>, <c>NotIn</c>, <c>Exists</c>, <c>DoesNotExist</c>, together with a <c>nodeSelector</c> on the same
/// labels; <c>kubernetes.io/arch</c> and <c>kubernetes.io/os</c> are judged separately.
/// </summary>
internal static class ManifestAffinityChecker
{
    private static readonly string[] Labels = [NodeLabels.Arch, NodeLabels.Os];

    /// <summary>Where the pod spec sits in each kind of workload.</summary>
    private static readonly Dictionary<string, string[]> PodSpecPaths = new(StringComparer.Ordinal)
    {
        ["Deployment"] = ["spec", "template", "spec"],
        ["StatefulSet"] = ["spec", "template", "spec"],
        ["DaemonSet"] = ["spec", "template", "spec"],
        ["ReplicaSet"] = ["spec", "template", "spec"],
        ["Job"] = ["spec", "template", "spec"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template", "spec"],
        ["Pod"] = ["spec"],
    };

    /// <summary>
    /// Checks the workloads of <paramref name="text"/> (read from <paramref name="path"/>); only the Deployment
    /// named <paramref name="deployment"/> when it is given. Throws <see cref="ManifestFormatException"/> at the
    /// line of a YAML error.
    /// </summary>
    public static ManifestCheck Check(string path, string text, IReadOnlyList<OciPlatform> built, string? deployment, string patchFileName)
    {
        var diagnostics = new List<Diagnostic>();
        var workloads = new List<Workload>();
        foreach (var root in YamlDocuments.Load(path, text).OfType<YamlMappingNode>())
        {
            if (Scalar(root, "kind") is not { } kind || !PodSpecPaths.TryGetValue(kind, out var specPath))
            {
                continue;
            }

            var metadata = Child(root, "metadata") as YamlMappingNode;
            var workload = new Workload(kind, (metadata is null ? null : Scalar(metadata, "name")) ?? "(unnamed)", metadata is null ? null : Scalar(metadata, "namespace"), (int)root.Start.Line);
            if (deployment is not null && (kind != "Deployment" || workload.Name != deployment))
            {
                continue;
            }

            workloads.Add(workload);
            if (Descend(root, specPath) is YamlMappingNode podSpec)
            {
                diagnostics.AddRange(CheckPodSpec(path, workload, podSpec, built, patchFileName));
            }
            else
            {
                diagnostics.Add(Diagnostic.Info(nameof(Strings.NodeAffinityAbsent), workload, patchFileName).At(path, workload.Line, (int)root.Start.Column));
            }
        }

        return new ManifestCheck(diagnostics, workloads);
    }

    private static IEnumerable<Diagnostic> CheckPodSpec(string path, Workload workload, YamlMappingNode podSpec, IReadOnlyList<OciPlatform> built, string patchFileName)
    {
        var selector = Child(podSpec, "nodeSelector") as YamlMappingNode;
        var termsNode = Descend(podSpec, ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]) as YamlSequenceNode;
        var terms = termsNode?.Children.OfType<YamlMappingNode>().ToList() ?? [];
        var selectorPins = selector?.Children.Any(kv => kv.Key is YamlScalarNode k && NodeLabels.Canonical(k.Value ?? "") is not null) == true;
        if (terms.Count == 0 && !selectorPins)
        {
            yield return Diagnostic.Info(nameof(Strings.NodeAffinityAbsent), workload, patchFileName).At(path, (int)podSpec.Start.Line, (int)podSpec.Start.Column);
            yield break;
        }

        // A nodeSelector alone acts as one term; beside terms it is ANDed into each of them.
        var judged = terms.Count > 0 ? terms.Select(t => (Node: (YamlNode)t, Term: t)).ToList() : [(Node: selector!, Term: (YamlMappingNode?)null)];
        foreach (var label in Labels)
        {
            var builtValues = built.Select(p => NodeLabels.ValueOf(label, p)).ToHashSet(StringComparer.Ordinal);
            var allowedAnywhere = new HashSet<string>(StringComparer.Ordinal);
            var firstExclusion = new Dictionary<string, Mark>(StringComparer.Ordinal);
            var reported = new HashSet<(string, long)>();
            foreach (var (node, term) in judged)
            {
                var allowance = Evaluate(term, selector, label, builtValues);
                foreach (var (value, mark) in allowance.Exclusions)
                {
                    firstExclusion.TryAdd(value, mark);
                }

                if (allowance.Allowed is null)
                {
                    // The term says nothing about this label: every value passes it.
                    allowedAnywhere.UnionWith(NodeLabels.KnownValues(label));
                    allowedAnywhere.UnionWith(builtValues);
                    if (label == NodeLabels.Arch)
                    {
                        yield return Diagnostic.Warning(nameof(Strings.NodeAffinityTermUnconstrained), workload, label, string.Join(", ", builtValues.Order(StringComparer.Ordinal)))
                            .At(path, (int)node.Start.Line, (int)node.Start.Column);
                    }

                    continue;
                }

                foreach (var (value, mark) in allowance.Allowed)
                {
                    allowedAnywhere.Add(value);
                    if (!builtValues.Contains(value) && reported.Add((value, mark.Line)))
                    {
                        yield return Diagnostic.Warning(nameof(Strings.NodeAffinityAllowsUnbuilt), workload, label, value, string.Join(", ", built.Select(p => p.ToString()).Distinct().Order(StringComparer.Ordinal)))
                            .At(path, (int)mark.Line, (int)mark.Column);
                    }
                }
            }

            foreach (var value in builtValues.Where(v => !allowedAnywhere.Contains(v)).Order(StringComparer.Ordinal))
            {
                var mark = firstExclusion.TryGetValue(value, out var m) ? m : judged[0].Node.Start;
                yield return Diagnostic.Warning(nameof(Strings.NodeAffinityOmitsBuilt), workload, label, value)
                    .At(path, (int)mark.Line, (int)mark.Column);
            }
        }
    }

    /// <summary>What one term (and the nodeSelector) allows for one label, each value with the position that allows it.</summary>
    private sealed record Allowance(Dictionary<string, Mark>? Allowed, List<(string Value, Mark Mark)> Exclusions);

    private static Allowance Evaluate(YamlMappingNode? term, YamlMappingNode? selector, string label, IReadOnlySet<string> builtValues)
    {
        Dictionary<string, Mark>? allowed = null;
        var exclusions = new List<(string, Mark)>();
        Dictionary<string, Mark> Universe(Mark at) => NodeLabels.KnownValues(label).Concat(builtValues).Distinct(StringComparer.Ordinal).ToDictionary(v => v, _ => at, StringComparer.Ordinal);

        void Restrict(IReadOnlyDictionary<string, Mark> values, Mark whereToAdd)
        {
            foreach (var value in (allowed?.Keys ?? (IEnumerable<string>)Universe(whereToAdd).Keys).Where(v => !values.ContainsKey(v)).ToList())
            {
                exclusions.Add((value, whereToAdd));
            }

            allowed = allowed is null
                ? new Dictionary<string, Mark>(values, StringComparer.Ordinal)
                : values.Where(kv => allowed.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        }

        foreach (var expression in (term is null ? null : Child(term, "matchExpressions") as YamlSequenceNode)?.Children.OfType<YamlMappingNode>() ?? [])
        {
            if (NodeLabels.Canonical(Scalar(expression, "key") ?? "") != label)
            {
                continue;
            }

            var operatorNode = Child(expression, "operator") ?? expression;
            var valuesNode = Child(expression, "values");
            var values = (valuesNode as YamlSequenceNode)?.Children.OfType<YamlScalarNode>()
                .Where(v => !string.IsNullOrEmpty(v.Value))
                .GroupBy(v => v.Value!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Start, StringComparer.Ordinal) ?? [];
            switch ((operatorNode as YamlScalarNode)?.Value)
            {
                case "In":
                    Restrict(values, (valuesNode ?? operatorNode).Start);
                    break;
                case "NotIn":
                    allowed ??= Universe(operatorNode.Start);
                    foreach (var (value, mark) in values.Where(v => allowed.ContainsKey(v.Key)))
                    {
                        allowed.Remove(value);
                        exclusions.Add((value, mark));
                    }

                    break;
                case "DoesNotExist":
                    foreach (var value in (allowed?.Keys ?? (IEnumerable<string>)Universe(operatorNode.Start).Keys).ToList())
                    {
                        exclusions.Add((value, operatorNode.Start));
                    }

                    allowed = new Dictionary<string, Mark>(StringComparer.Ordinal);
                    break;
                case "Exists":
                    allowed ??= Universe(operatorNode.Start);
                    break;
            }
        }

        foreach (var (key, value) in selector?.Children.Select(kv => (kv.Key, kv.Value)) ?? [])
        {
            if (key is YamlScalarNode k && NodeLabels.Canonical(k.Value ?? "") == label && value is YamlScalarNode v && v.Value is { } text)
            {
                Restrict(new Dictionary<string, Mark>(StringComparer.Ordinal) { [text] = v.Start }, v.Start);
            }
        }

        return new Allowance(allowed, exclusions);
    }

    private static YamlNode? Child(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static string? Scalar(YamlMappingNode map, string key) => (Child(map, key) as YamlScalarNode)?.Value;

    private static YamlNode? Descend(YamlNode node, IEnumerable<string> path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || Child(map, key) is not { } next)
            {
                return null;
            }

            node = next;
        }

        return node;
    }
}

/// <summary>Whether the kustomization beside the patch lists it (a patch nobody references changes nothing).</summary>
internal static class KustomizationCheck
{
    public static readonly string[] FileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>The kustomization lists that name patch files.</summary>
    private static readonly string[] PatchListKeys = ["patches", "patchesStrategicMerge"];

    /// <summary>A warning at the kustomization when it does not reference <paramref name="patchFileName"/>; null when it does.</summary>
    public static Diagnostic? Check(string path, string text, string patchFileName)
    {
        if (YamlDocuments.Load(path, text) is not [YamlMappingNode map, ..])
        {
            return Diagnostic.Warning(nameof(Strings.NodeAffinityPatchNotReferenced), path, patchFileName).At(path, 1);
        }

        bool Names(YamlNode entry) => entry switch
        {
            YamlScalarNode s => Same(s.Value),
            YamlMappingNode m => m.Children.TryGetValue(new YamlScalarNode("path"), out var p) && p is YamlScalarNode ps && Same(ps.Value),
            _ => false,
        };

        var lists = PatchListKeys
            .Select(k => map.Children.TryGetValue(new YamlScalarNode(k), out var n) ? n : null)
            .OfType<YamlSequenceNode>()
            .ToList();
        if (lists.Any(l => l.Children.Any(Names)))
        {
            return null;
        }

        var at = lists.FirstOrDefault()?.Start ?? map.Start;
        return Diagnostic.Warning(nameof(Strings.NodeAffinityPatchNotReferenced), path, patchFileName).At(path, (int)at.Line, (int)at.Column);

        bool Same(string? value) => value is not null && string.Equals(value.Trim().TrimStart('.', '/'), patchFileName, StringComparison.Ordinal);
    }
}

/// <summary>Reads every document of a YAML file, positions kept; any parse failure is a <see cref="ManifestFormatException"/> at its line.</summary>
internal static class YamlDocuments
{
    public static IReadOnlyList<YamlNode> Load(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ManifestFormatException(path, (int)ex.Start.Line, (int)ex.Start.Column, ex.InnerException?.Message ?? ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some truncated input (an unclosed flow collection at the end).
            throw new ManifestFormatException(path, text.Split('\n').Length, 1, "unexpected end of the document (" + ex.Message + ")");
        }

        return stream.Documents.Select(d => d.RootNode).ToList();
    }
}

/// <summary>A manifest (or kustomization) that is not valid YAML, at the line where the parser stopped.</summary>
internal sealed class ManifestFormatException(string path, int line, int column, string reason)
    : MultiArchException(nameof(Strings.NodeAffinityManifestInvalid), path, line, reason)
{
    public Diagnostic ToDiagnosticAt() => ToDiagnostic().At(path, line, column);
}
