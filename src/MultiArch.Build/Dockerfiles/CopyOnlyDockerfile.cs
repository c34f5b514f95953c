namespace MultiArch.Build.Dockerfiles;

/// <summary>One step of a copy-only Dockerfile, in file order: its history line and whether it adds a layer.</summary>
internal sealed record CopyOnlyStep(string CreatedBy, bool AddsLayer);

/// <summary>
/// What a copy-only Dockerfile (the generated one of <c>dotnet publish</c>: <see cref="DotnetDockerfile"/>) asks of the
/// image, instruction by instruction: a base, one <c>COPY --from=&lt;context&gt; ${TARGETPLATFORM}/ dir/</c>, and
/// configuration only. Values are as written (not expanded): the base image's environment expands them, per platform.
/// </summary>
internal sealed record CopyOnlyDockerfile
{
    public required string BaseImage { get; init; }

    /// <summary>The named build context the app is copied from (<c>publish</c>).</summary>
    public required string Context { get; init; }

    /// <summary>Where the platform's folder of the context goes: <c>/app</c>.</summary>
    public required string Destination { get; init; }

    public string? WorkingDirectory { get; init; }

    public IReadOnlyList<(string Name, string Value)> Env { get; init; } = [];

    /// <summary>Exposed ports as the image config keys them: <c>8080/tcp</c>.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    public string? User { get; init; }

    /// <summary>The exec-form ENTRYPOINT; null: the base's is kept.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<(string Name, string Value)> Labels { get; init; } = [];

    /// <summary>Every step that reaches the image's history, in order.</summary>
    public IReadOnlyList<CopyOnlyStep> Steps { get; init; } = [];

    /// <summary>The one form of each step that has a form of its own, for the reason a Dockerfile is refused.</summary>
    private static readonly Dictionary<string, string> SupportedForms = new(StringComparer.Ordinal)
    {
        ["COPY"] = "one COPY --from=<named context> ${TARGETPLATFORM}/ /dir/ (a copy from the build context, a second COPY or other flags are built by a tool)",
        ["ARG"] = "ARG TARGETPLATFORM",
        ["WORKDIR"] = "an absolute WORKDIR",
        ["USER"] = "USER with a user",
        ["ENTRYPOINT"] = "the exec form ENTRYPOINT [\"...\"]",
    };

    /// <summary>
    /// Reads a Dockerfile as a copy-only image, or says why it is not one: a single stage <c>FROM image</c>, at most
    /// <c>ARG TARGETPLATFORM</c>, exactly one <c>COPY --from=context ${TARGETPLATFORM}/ dir/</c> (no other flag), then
    /// only WORKDIR, ENV, EXPOSE, USER, LABEL and an exec-form ENTRYPOINT. Anything that would run a command, read the
    /// main context, or needs BuildKit's judgement is refused (<paramref name="reason"/>), and the build tools build it.
    /// </summary>
    public static CopyOnlyDockerfile? Read(DockerfileDocument document, out string reason)
    {
        reason = string.Empty;
        if (document.GlobalArgs.Count > 0 || document.Stages.Count != 1)
        {
            reason = document.Stages.Count != 1 ? $"it has {document.Stages.Count} stages" : "it declares global ARGs";
            return null;
        }

        var stage = document.Stages[0];
        if (stage.PlatformFlag is not null || stage.BaseImage.Contains('$', StringComparison.Ordinal))
        {
            reason = "its FROM line has a --platform flag or a variable";
            return null;
        }

        string? context = null, destination = null, workdir = null, user = null;
        IReadOnlyList<string>? entrypoint = null;
        var env = new List<(string, string)>();
        var ports = new List<string>();
        var labels = new List<(string, string)>();
        var steps = new List<CopyOnlyStep>();
        foreach (var instruction in stage.Instructions)
        {
            switch (instruction.Keyword.ToUpperInvariant())
            {
                case "ARG" when instruction.Arguments.Trim() == "TARGETPLATFORM":
                    break;
                case "COPY" when context is null && instruction.Flags.Count == 1 && instruction.Flag("from") is { Length: > 0 } from && instruction.JsonArguments is null && instruction.Heredocs.Count == 0:
                    var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (words.Length != 2 || words[0] != "${TARGETPLATFORM}/" || !words[1].StartsWith('/'))
                    {
                        reason = $"line {instruction.Line}: COPY copies something else than the platform's folder";
                        return null;
                    }

                    context = from;
                    destination = words[1].TrimEnd('/');
                    steps.Add(new CopyOnlyStep($"COPY --from={from} ${{TARGETPLATFORM}}/ {words[1]}", true));
                    break;
                case "WORKDIR" when instruction.Arguments.Trim().StartsWith('/'):
                    workdir = instruction.Arguments.Trim();
                    steps.Add(new CopyOnlyStep("WORKDIR " + workdir, false));
                    break;
                case "ENV":
                    var pairs = DockerfileParser.ParseEnv(instruction).ToList();
                    env.AddRange(pairs);
                    steps.Add(new CopyOnlyStep("ENV " + string.Join(' ', pairs.Select(p => $"{p.Name}={p.Value}")), false));
                    break;
                case "LABEL":
                    var pairsOfLabel = DockerfileParser.ParseEnv(instruction).ToList();
                    labels.AddRange(pairsOfLabel);
                    steps.Add(new CopyOnlyStep("LABEL " + string.Join(' ', pairsOfLabel.Select(p => $"{p.Name}={p.Value}")), false));
                    break;
                case "EXPOSE":
                    var exposed = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Contains('/', StringComparison.Ordinal) ? p.ToLowerInvariant() : p + "/tcp").ToList();
                    ports.AddRange(exposed);
                    steps.Add(new CopyOnlyStep("EXPOSE map[" + string.Join(' ', exposed.Select(p => p + ":{}")) + "]", false));
                    break;
                case "USER" when instruction.Arguments.Trim().Length > 0:
                    user = instruction.Arguments.Trim();
                    steps.Add(new CopyOnlyStep("USER " + user, false));
                    break;
                case "ENTRYPOINT" when instruction.JsonArguments is { Count: > 0 } json:
                    entrypoint = json;
                    steps.Add(new CopyOnlyStep("ENTRYPOINT [" + string.Join(' ', json.Select(a => "\"" + a + "\"")) + "]", false));
                    break;
                default:
                    var keyword = instruction.Keyword.ToUpperInvariant();
                    reason = SupportedForms.TryGetValue(keyword, out var form)
                        ? $"line {instruction.Line}: this {keyword} is not in the form assembled in process, {form}"
                        : $"line {instruction.Line}: {keyword} is not one of the steps assembled in process";
                    return null;
            }
        }

        if (context is null || destination is null)
        {
            reason = "it has no COPY --from=<context> ${TARGETPLATFORM}/ <dir>/";
            return null;
        }

        return new CopyOnlyDockerfile
        {
            BaseImage = stage.BaseImage,
            Context = context,
            Destination = destination.Length == 0 ? "/" : destination,
            WorkingDirectory = workdir,
            Env = env,
            ExposedPorts = ports,
            User = user,
            Entrypoint = entrypoint,
            Labels = labels,
            Steps = steps,
        };
    }
}
