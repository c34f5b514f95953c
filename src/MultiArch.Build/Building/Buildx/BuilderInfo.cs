using MultiArch.Build.Platforms;

namespace MultiArch.Build.Building;

/// <summary>One node of a buildx builder: its status and the platforms it can build (native first).</summary>
/// <param name="DeclaredPlatforms">The platforms set with <c>buildx create --platform</c> (marked <c>*</c>): buildx gives them to this node first.</param>
internal sealed record BuilderNode(string Name, string Endpoint, string Status, string? BuildKitVersion, IReadOnlyList<OciPlatform> Platforms, IReadOnlyList<OciPlatform>? DeclaredPlatforms = null)
{
    public IReadOnlyList<OciPlatform> Declared => DeclaredPlatforms ?? [];

    public bool IsRunning => Status.Equals("running", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The platforms this node runs without emulation: BuildKit lists the native platform first; its
    /// variants (amd64/v2...) and, on amd64, 386 run natively too.
    /// </summary>
    public IReadOnlyList<OciPlatform> NativePlatforms
    {
        get
        {
            if (Platforms.Count == 0)
            {
                return [];
            }

            var first = Platforms[0];
            return Platforms.Where(p => p.Os == first.Os && (p.Architecture == first.Architecture || (first.Architecture == "amd64" && p.Architecture == "386"))).ToList();
        }
    }
}

/// <summary>What <c>docker buildx inspect --bootstrap</c> says about a builder.</summary>
internal sealed record BuilderInfo(string Name, string Driver, IReadOnlyList<BuilderNode> Nodes)
{
    public IEnumerable<OciPlatform> Platforms => Nodes.SelectMany(n => n.Platforms).Distinct();

    public IEnumerable<OciPlatform> NativePlatforms => Nodes.SelectMany(n => n.NativePlatforms).Distinct();

    /// <summary>
    /// Parses the text output of <c>buildx inspect</c> (buildx 0.8 to 0.28: "Buildkit:" and "BuildKit version:",
    /// platforms marked with '*' when configured by the user). Unknown platform strings are skipped.
    /// </summary>
    public static BuilderInfo Parse(string output)
    {
        string? name = null;
        string? driver = null;
        var nodes = new List<BuilderNode>();
        var inNodes = false;
        string? nodeName = null, endpoint = null, status = null, version = null;
        List<OciPlatform>? platforms = null;
        List<OciPlatform>? declared = null;

        void FlushNode()
        {
            if (nodeName is not null)
            {
                nodes.Add(new BuilderNode(nodeName, endpoint ?? string.Empty, status ?? "unknown", version, platforms ?? [], declared ?? []));
            }

            nodeName = endpoint = status = version = null;
            platforms = declared = null;
        }

        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':');
            if (line.StartsWith("Nodes:", StringComparison.Ordinal))
            {
                inNodes = true;
                continue;
            }

            if (colon <= 0 || char.IsWhiteSpace(line[0]))
            {
                continue;
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (!inNodes)
            {
                switch (key)
                {
                    case "Name":
                        name = value;
                        break;
                    case "Driver":
                        driver = value;
                        break;
                }

                continue;
            }

            switch (key)
            {
                case "Name":
                    FlushNode();
                    nodeName = value;
                    break;
                case "Endpoint":
                    endpoint = value;
                    break;
                case "Status":
                    status = value;
                    break;
                case "Error":
                    // buildx prints the node's error in place of its status.
                    status ??= $"failing ({value})";
                    break;
                case "Buildkit" or "BuildKit version" or "BuildKit":
                    version = value;
                    break;
                case "Platforms":
                    declared = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Where(p => p.EndsWith('*'))
                        .Select(p => OciPlatform.TryParse(p.TrimEnd('*'), out var platform, out _) ? platform : null)
                        .OfType<OciPlatform>()
                        .Distinct()
                        .ToList();
                    platforms = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(p => OciPlatform.TryParse(p.TrimEnd('*'), out var platform, out _) ? platform : null)
                        .OfType<OciPlatform>()
                        .Distinct()
                        .ToList();
                    break;
            }
        }

        FlushNode();
        return new BuilderInfo(name ?? string.Empty, driver ?? string.Empty, nodes);
    }
}
