using System.Globalization;
using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>Where one platform will be built: the node, and whether that node runs it natively or under emulation.</summary>
/// <param name="Invocation">Which <c>buildx build</c> run builds it (0 unless the plan spans several nodes: see <see cref="BuilderPlan.IsMultiNode"/>).</param>
internal sealed record PlannedPlatform(OciPlatform Platform, string? Node, bool Native, int Invocation = 0)
{
    /// <summary>
    /// The node lists no such platform but one that runs it (containerd's <c>platforms.Only</c>: arm64 runs arm/v8 to
    /// arm/v5, arm/v7 runs v6 and v5, amd64 runs 386): buildx sends it there, and the node builds it in compatible mode,
    /// 32-bit code on its own CPU without emulation. <see cref="CompatibleWith"/> is the platform the node lists.
    /// </summary>
    public OciPlatform? CompatibleWith { get; init; }
}

/// <summary>One <c>buildx build</c> run of a plan: the node it goes to and the platforms it builds.</summary>
internal sealed record NodeInvocation(string Node, IReadOnlyList<OciPlatform> Platforms)
{
    /// <summary>
    /// The runs that build <paramref name="platforms"/>, from the preflight's plan (<see cref="PlannedPlatform.Invocation"/>),
    /// in plan order. No plan, or one for other platforms (podman, a direct call of the task): one run, as buildx routes it.
    /// </summary>
    public static IReadOnlyList<NodeInvocation> Of(IReadOnlyList<PlannedPlatform> planned, IReadOnlyList<OciPlatform> platforms)
    {
        var mine = planned.Where(e => platforms.Contains(e.Platform)).ToList();
        if (mine.Count != platforms.Count)
        {
            return [new NodeInvocation(string.Empty, platforms)];
        }

        return mine.GroupBy(e => e.Invocation)
            .Select(g => new NodeInvocation(g.First().Node ?? string.Empty, g.Select(e => e.Platform).ToList()))
            .ToList();
    }
}

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

        foreach (var entry in entries.Where(e => e.CompatibleWith is not null))
        {
            warnings.Add(Diagnostic.Info(nameof(Strings.BuilderCompatibleMode), entry.Platform, entry.Node, entry.CompatibleWith, builder.Name));
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

    /// <summary>
    /// buildx's choice of node for each platform of one <c>buildx build</c> run (build/resolver/driver.go): first the
    /// declared platforms, matched exactly (<c>platforms.OnlyStrict</c>); unless all are found there, every platform
    /// goes to the node with the best platform that runs it (<c>platforms.Only</c>: the platform itself first, then the
    /// ones it runs in compatible mode), the first such node on a tie.
    /// </summary>
    private static List<PlannedPlatform> Route(IReadOnlyList<BuilderNode> running, IReadOnlyList<OciPlatform> platforms)
    {
        var declared = platforms.Select(p => running.FirstOrDefault(n => n.Declared.Contains(p))).ToList();
        if (declared.All(n => n is not null))
        {
            return platforms.Select((p, i) => new PlannedPlatform(p, declared[i]!.Name, declared[i]!.NativePlatforms.Contains(p))).ToList();
        }

        return platforms.Select(p => CompatibleNode(running, p) is { } chosen
                ? new PlannedPlatform(p, chosen.Node.Name, chosen.Node.NativePlatforms.Contains(p) || (chosen.Via is { } via && chosen.Node.NativePlatforms.Contains(via))) { CompatibleWith = chosen.Via }
                : new PlannedPlatform(p, null, false))
            .ToList();
    }

    /// <summary>
    /// The node buildx gives <paramref name="platform"/> when no node declares it: the one whose listed platform runs it
    /// best (itself, else the nearest platform whose compatibility list holds it), the first such node on a tie.
    /// <c>Via</c> is null for a listed platform, else the listed one it runs under.
    /// </summary>
    public static (BuilderNode Node, OciPlatform? Via)? CompatibleNode(IEnumerable<BuilderNode> running, OciPlatform platform)
    {
        (BuilderNode Node, OciPlatform? Via, int Rank)? best = null;
        foreach (var node in running)
        {
            foreach (var listed in node.Platforms)
            {
                var rank = Compatible(listed).IndexOf(platform);
                if (rank >= 0 && (best is null || rank < best.Value.Rank))
                {
                    best = (node, rank == 0 ? null : listed, rank);
                }
            }
        }

        return best is { } b ? (b.Node, b.Via) : null;
    }

    /// <summary>
    /// The platforms a node of <paramref name="platform"/> runs, best first, as containerd's <c>platformVector</c>
    /// (vendored by buildx, github.com/containerd/platforms compare.go): amd64 then 386; arm64 then arm/v8 down to arm/v5;
    /// arm/vN down to arm/v5.
    /// </summary>
    public static List<OciPlatform> Compatible(OciPlatform platform)
    {
        var vector = new List<OciPlatform> { platform };
        switch (platform.Architecture)
        {
            case "amd64":
                vector.Add(OciPlatform.Parse($"{platform.Os}/386"));
                break;
            case "arm64":
                vector.AddRange(ArmDown(platform.Os, 8));
                break;
            case "arm" when platform.Variant is { Length: > 1 } v && int.TryParse(v[1..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version):
                vector.AddRange(ArmDown(platform.Os, version).Skip(1));
                break;
        }

        return vector;

        static IEnumerable<OciPlatform> ArmDown(string os, int from)
        {
            for (var v = from; v >= 5; v--)
            {
                if (OciPlatform.TryParse($"{os}/arm/v{v}", out var arm, out _))
                {
                    yield return arm;
                }
            }
        }
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

    private static string Mode(PlannedPlatform entry) => entry.Node is null ? "no node"
        : entry.CompatibleWith is { } via ? $"compatible mode: the node lists {via}, not {entry.Platform}, and runs it {(entry.Native ? "natively" : "emulated")}"
        : entry.Native ? "native" : "emulated";
}
