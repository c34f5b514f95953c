using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Platforms;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Buildx;

/// <summary>Where one platform will be built: the node, and whether that node runs it natively or under emulation.</summary>
internal sealed record PlannedPlatform(OciPlatform Platform, string? Node, bool Native);

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

    public static BuilderPlan For(BuilderInfo builder, IReadOnlyList<OciPlatform> platforms)
    {
        var warnings = new List<Diagnostic>();
        foreach (var down in builder.Nodes.Where(n => !n.IsRunning))
        {
            warnings.Add(Diagnostic.Warning(nameof(Strings.BuilderNodeNotRunning), down.Name, builder.Name, down.Status, down.Platforms.Count == 0 ? "no platforms known" : string.Join(", ", down.Platforms)));
        }

        var running = builder.Nodes.Where(n => n.IsRunning).ToList();
        var declared = platforms.Select(p => running.FirstOrDefault(n => n.Declared.Contains(p))).ToList();
        var chosen = declared.All(n => n is not null)
            ? declared
            : platforms.Select(p => running.FirstOrDefault(n => n.Platforms.Contains(p))).ToList();

        var entries = new List<PlannedPlatform>();
        for (var i = 0; i < platforms.Count; i++)
        {
            var platform = platforms[i];
            var node = chosen[i];
            var native = node is not null && node.NativePlatforms.Contains(platform);
            entries.Add(new PlannedPlatform(platform, node?.Name, native));
            if (node is not null && !native && running.FirstOrDefault(n => n.NativePlatforms.Contains(platform)) is { } nativeNode)
            {
                warnings.Add(Diagnostic.Warning(nameof(Strings.PlatformEmulatedBesideNativeNode), platform, node.Name, nativeNode.Name, builder.Name));
            }
        }

        return new BuilderPlan(builder.Name, builder.Driver, builder.Nodes.Count, entries, warnings);
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
        text.AppendLine($"### Build plan: builder `{Builder}` ({Driver}, {NodeCount} node(s))").AppendLine();
        text.AppendLine("| Platform | Node | Runs |").AppendLine("|---|---|---|");
        foreach (var entry in Entries)
        {
            text.AppendLine($"| `{entry.Platform}` | {entry.Node ?? "(none)"} | {Mode(entry)} |");
        }

        return text.ToString();
    }

    private static string Mode(PlannedPlatform entry) => entry.Node is null ? "no node" : entry.Native ? "native" : "emulated";
}
