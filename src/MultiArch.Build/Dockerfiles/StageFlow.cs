namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// Where files go between stages, as far as the rules need it: a stage's working directory at a line, and whether a
/// path a stage writes can reach the image (the image stage builds on that stage, or a stage feeding the image copies
/// it, or a folder holding it, with <c>COPY --from</c>). Shared by the rules; pure.
/// </summary>
internal static class StageFlow
{
    /// <summary>The absolute working directory just before the line (WORKDIR through the FROM chain), or null when unknown.</summary>
    public static string? WorkdirAt(StageGraph graph, DockerfileStage stage, int line)
    {
        var chain = new Stack<DockerfileStage>();
        for (var s = stage; s is not null && chain.Count <= graph.Document.Stages.Count; s = graph.ParentOf(s))
        {
            chain.Push(s);
        }

        string? workdir = null;
        foreach (var instruction in chain.SelectMany(s => s.Instructions).Where(i => i.Is("WORKDIR") && (i.Line < line || !stage.Instructions.Contains(i))))
        {
            var dir = DockerfileParser.Unquote(instruction.Arguments.Trim());
            workdir = dir.StartsWith('/') ? dir : workdir is null ? null : Combine(workdir, dir);
        }

        return workdir;
    }

    /// <summary>The path as an absolute one: itself, or under the working directory; null when it cannot be told.</summary>
    public static string? Absolute(string path, string? workdir)
        => path.StartsWith('/') ? Normalize(path) : workdir is null || path.Contains('$') ? null : Combine(workdir, path);

    /// <summary>
    /// Whether a path written in <paramref name="stage"/> can reach the image: the image stage is built on it, a RUN of a
    /// feeding stage mounts it, or a feeding stage copies that path, a folder above it or a file under it from it (or
    /// from a stage built on it).
    /// </summary>
    public static bool ReachesImage(StageGraph graph, DockerfileStage stage, string path)
    {
        bool BuiltOn(DockerfileStage? s)
        {
            for (var depth = 0; s is not null && depth <= graph.Document.Stages.Count; s = graph.ParentOf(s), depth++)
            {
                if (s == stage)
                {
                    return true;
                }
            }

            return false;
        }

        if (BuiltOn(graph.ImageStage))
        {
            return true;
        }

        foreach (var feeding in graph.FeedingStages)
        {
            foreach (var instruction in feeding.Instructions)
            {
                if (instruction.Is("RUN") && instruction.FlagValues("mount").Any(m => m.Contains("from=", StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }

                if (!(instruction.Is("COPY") || instruction.Is("ADD")))
                {
                    continue;
                }

                foreach (var from in instruction.FlagValues("from"))
                {
                    if (!BuiltOn(graph.Document.FindStage(graph.ExpandGlobal(from, markers: false), feeding.Index)))
                    {
                        continue;
                    }

                    var sources = CopySources(instruction);
                    if (sources.Any(source => Overlaps(Normalize("/" + source.TrimStart('/')), Normalize(path))))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>The source paths of a COPY/ADD (every argument but the destination), a glob cut at its first wildcard.</summary>
    public static IEnumerable<string> CopySources(Instruction instruction)
    {
        var args = instruction.JsonArguments ?? instruction.Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(DockerfileParser.Unquote).ToList();
        foreach (var source in args.Take(Math.Max(0, args.Count - 1)))
        {
            var wildcard = source.IndexOfAny(['*', '?', '[']);
            yield return wildcard >= 0 ? source[..wildcard] : source;
        }
    }

    /// <summary>One path lies in the other (or they are one): a copy of a folder takes what is under it, and a copy of a file under the output takes part of it.</summary>
    public static bool Overlaps(string a, string b)
        => a == b || a == "/" || b == "/" || b.StartsWith(a.TrimEnd('/') + "/", StringComparison.Ordinal) || a.StartsWith(b.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static string Combine(string dir, string relative) => Normalize(dir.TrimEnd('/') + "/" + relative);

    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }
}
