using System.Globalization;
using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Buildx;

/// <summary>Where one platform will be built: the node, and whether that node runs it natively or under emulation.</summary>
/// <param name="Invocation">Which <c>buildx build</c> run builds it (0 unless the plan spans several nodes: see <see cref="BuilderPlan.IsMultiNode"/>).</param>
internal sealed record PlannedPlatform(OciPlatform Platform, string? Node, bool Native, int Invocation = 0);

/// <summary>
/// Which node of a builder builds each platform, and whether natively or under emulation, decided as buildx
/// decides it (build/driver.go, <c>nodeResolver.Resolve</c>): first every platform is looked up among the
/// platforms the nodes <em>declare</em> (<c>buildx create --platform</c>, marked <c>*</c>); only if every
/// platform is found there is that the plan; otherwise each platform goes to the first running node that lists
/// it at all, emulated or not. A node runs natively its first (or declared) platform's architecture, and 386 on
/// amd64 (<see cref="BuilderNode.NativePlatforms"/>). Nodes that are not running are left out (<c>MULTIARCH3050</c>);
/// a platform sent to an emulating node while another node runs it natively is <c>MULTIARCH3051</c>. Pure.
/// </summary>
internal sealed record BuilderPlan(string Builder, string Driver, int NodeCount, IReadOnlyList<PlannedPlatform> Entries, IReadOnlyList<Diagnostic> Warnings)
{
    /// <summary>The requested platforms that will run without emulation (what the emulation checks judge by).</summary>
    public IReadOnlyList<OciPlatform> NativePlatforms => Entries.Where(e => e.Native).Select(e => e.Platform).ToList();

    /// <summary>
    /// Whether the platforms go to more than one node. buildx then merges the nodes' images itself and pushes the
    /// merged index under the repository's <c>latest</c> tag whatever the output says (build/build.go: push-by-digest
    /// is set for the per-node exports only), and refuses an OCI or tar export. So such a plan is built one
    /// <c>buildx build</c> per node (<see cref="PlannedPlatform.Invocation"/>), each pushed by digest, and merged by
    /// MultiArch.Build; nothing is tagged before validation.
    /// </summary>
    public bool IsMultiNode => SpansNodes(Entries);

    /// <summary>The platforms of each <c>buildx build</c> run, in order.</summary>
    public IReadOnlyList<IReadOnlyList<OciPlatform>> Invocations
        => Entries.GroupBy(e => e.Invocation).OrderBy(g => g.Key).Select(g => (IReadOnlyList<OciPlatform>)g.Select(e => e.Platform).ToList()).ToList();

    /// <summary>
    /// The plan, split into one build per node when it spans several. Each node's platforms are planned again on
    /// their own (a smaller request can change buildx's choice, e.g. when all of them are declared on some node); a
    /// node's group that would still spread over several nodes is split into one build per platform, which buildx
    /// always gives to one node. So every invocation runs on exactly the node the plan names.
    /// </summary>
    public static BuilderPlan For(BuilderInfo builder, IReadOnlyList<OciPlatform> platforms)
    {
        var running = builder.Nodes.Where(n => n.IsRunning).ToList();
        var entries = Route(running, platforms);
        if (SpansNodes(entries))
        {
            var split = new List<PlannedPlatform>();
            foreach (var group in entries.GroupBy(e => e.Node, StringComparer.Ordinal))
            {
                var alone = Route(running, group.Select(e => e.Platform).ToList());
                var parts = SpansNodes(alone)
                    ? alone.Select(e => Route(running, [e.Platform])).ToList()
                    : [alone];
                foreach (var part in parts)
                {
                    var invocation = split.Count == 0 ? 0 : split.Max(e => e.Invocation) + 1;
                    split.AddRange(part.Select(e => e with { Invocation = invocation }));
                }
            }

            // The plan lists the platforms in the order they were asked for.
            entries = platforms.Select(p => split.First(e => e.Platform.Equals(p))).ToList();
        }

        var warnings = new List<Diagnostic>();
        foreach (var down in builder.Nodes.Where(n => !n.IsRunning))
        {
            warnings.Add(Diagnostic.Warning(nameof(Strings.BuilderNodeNotRunning), down.Name, builder.Name, down.Status, down.Platforms.Count == 0 ? "no platforms known" : string.Join(", ", down.Platforms)));
        }

        foreach (var entry in entries.Where(e => e.Node is not null && !e.Native))
        {
            if (running.FirstOrDefault(n => n.NativePlatforms.Contains(entry.Platform)) is { } nativeNode)
            {
                warnings.Add(Diagnostic.Warning(nameof(Strings.PlatformEmulatedBesideNativeNode), entry.Platform, entry.Node, nativeNode.Name, builder.Name));
            }
        }

        return new BuilderPlan(builder.Name, builder.Driver, builder.Nodes.Count, entries, warnings);
    }

    /// <summary>
    /// Whether a running node declares each planned platform (<c>buildx create --platform</c>): then buildx starts
    /// only those nodes, and a node that is down does not stop the build.
    /// </summary>
    public bool AllDeclared(BuilderInfo builder)
        => Entries.All(e => builder.Nodes.Any(n => n.IsRunning && n.Name == e.Node && n.Declared.Contains(e.Platform)));

    /// <summary>Whether the platforms go to more than one node (a platform with no node is refused before any build: MULTIARCH3008).</summary>
    private static bool SpansNodes(IEnumerable<PlannedPlatform> entries)
        => entries.Where(e => e.Node is not null).Select(e => e.Node).Distinct(StringComparer.Ordinal).Count() > 1;

    /// <summary>buildx's choice of node for each platform of one <c>buildx build</c> run.</summary>
    private static List<PlannedPlatform> Route(IReadOnlyList<BuilderNode> running, IReadOnlyList<OciPlatform> platforms)
    {
        var declared = platforms.Select(p => running.FirstOrDefault(n => n.Declared.Contains(p))).ToList();
        var chosen = declared.All(n => n is not null)
            ? declared
            : platforms.Select(p => running.FirstOrDefault(n => n.Platforms.Contains(p))).ToList();
        return platforms.Select((p, i) => new PlannedPlatform(p, chosen[i]?.Name, chosen[i] is { } node && node.NativePlatforms.Contains(p))).ToList();
    }

    /// <summary>A build on this machine alone (podman): the host's platform natively, every other one under QEMU.</summary>
    public static BuilderPlan Local(string tool, OciPlatform host, IReadOnlyList<OciPlatform> platforms)
        => new(tool, "local", 1, platforms.Select(p => new PlannedPlatform(p, "this machine", p.Equals(host) || (host.Architecture == "amd64" && p.Os == host.Os && p.Architecture == "386"))).ToList(), []);

    /// <summary>The plan as log lines: a header, then one line per platform.</summary>
    public IEnumerable<string> Lines()
    {
        yield return DiagnosticText.Format(nameof(Strings.BuilderPlanHeader), [Builder, Driver, NodeCount]);
        foreach (var entry in Entries)
        {
            yield return DiagnosticText.Format(nameof(Strings.BuilderPlanLine), [entry.Platform, entry.Node ?? "(none)", Mode(entry)]);
        }
    }

    /// <summary>The plan as a Markdown table (for the CI step summary).</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### Build plan: builder `{Builder}` ({Driver}, {NodeCount} node(s))").AppendLine();
        text.AppendLine("| Platform | Node | Runs |").AppendLine("|---|---|---|");
        foreach (var entry in Entries)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| `{entry.Platform}` | {entry.Node ?? "(none)"} | {Mode(entry)} |");
        }

        return text.ToString();
    }

    private static string Mode(PlannedPlatform entry) => entry.Node is null ? "no node" : entry.Native ? "native" : "emulated";
}
