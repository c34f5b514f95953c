using MultiArch.Build.Platforms;

namespace MultiArch.Build.Dockerfiles;

internal enum StagePlatformKind
{
    /// <summary>Follows $TARGETPLATFORM: BuildKit's default for a FROM without --platform.</summary>
    Target,

    /// <summary>Runs on the build machine: <c>--platform=$BUILDPLATFORM</c>, directly or through <c>FROM &lt;stage&gt;</c>.</summary>
    Build,

    /// <summary>Pinned to one constant platform (<c>--platform=linux/amd64</c>).</summary>
    Constant,

    /// <summary>A --platform value this analysis cannot resolve (an ARG without a value).</summary>
    Unknown,
}

/// <summary>Where a stage runs, and the FROM line that decided it (for stages inheriting a pin, an ancestor's).</summary>
internal sealed record StagePlatform(StagePlatformKind Kind, OciPlatform? Constant, Instruction DecidedAt, string? Raw);

/// <summary>How a value relates to the target architecture.</summary>
internal enum ValueOrigin
{
    /// <summary>Taken from TARGETARCH/TARGETPLATFORM/... (directly or through other ARG/ENV values).</summary>
    Target,

    /// <summary>From an ARG with no value here: set with --build-arg at build time, unknowable now.</summary>
    Parameter,

    /// <summary>A literal.</summary>
    Constant,
}

/// <summary>A variable in scope in a stage: an ARG or ENV with the value it has there (null: no value known).</summary>
/// <param name="FromBuildArg">The value is a <c>--build-arg</c> the user passes: their choice, not one written in the Dockerfile.</param>
/// <param name="DefaultLine">Where the value was written: the ARG/ENV line, or the global ARG whose default a stage <c>ARG NAME</c> takes.</param>
internal sealed record ScopedVariable(string Name, string? Value, bool IsArg, int Line, bool FromBuildArg = false, int? DefaultLine = null);

/// <summary>What an expression comes to: its origin and, when constant, its value and where that value was written.</summary>
internal sealed record ResolvedValue(ValueOrigin Origin, string? Value, ScopedVariable? Source);

/// <summary>
/// The semantic view of a Dockerfile for multi-platform analysis: each stage's platform (with pins
/// carried through <c>FROM &lt;stage&gt;</c> chains), its parent stage, the ARG/ENV scope at each line
/// (ARG declarations inherited through <c>FROM &lt;stage&gt;</c>), and which stages feed the image stage.
/// </summary>
internal sealed class StageGraph
{
    /// <summary>The automatic platform ARGs, in global scope, usable in stages only after <c>ARG name</c>.</summary>
    public static readonly IReadOnlySet<string> AutomaticArgs = new HashSet<string>(StringComparer.Ordinal)
    {
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    };

    private const string BuildMarker = "\u0001BUILD\u0001";
    private const string TargetMarker = "\u0001TARGET\u0001";

    private readonly Dictionary<int, StagePlatform> _platforms = [];
    private readonly Dictionary<int, DockerfileStage?> _parents = [];
    private readonly IReadOnlyDictionary<string, string> _buildArgs;

    public StageGraph(DockerfileDocument document, IReadOnlyDictionary<string, string>? buildArgs = null, string? buildTarget = null)
    {
        Document = document;
        _buildArgs = buildArgs ?? new Dictionary<string, string>();
        foreach (var stage in document.Stages)
        {
            var baseName = ExpandGlobal(stage.BaseImage, markers: false);
            var parent = document.FindStage(baseName, stage.Index);
            _parents[stage.Index] = parent;
            _platforms[stage.Index] = ResolvePlatform(stage, parent);
        }

        ImageStage = buildTarget is { Length: > 0 } ? document.FindStage(buildTarget) : (document.Stages.Count > 0 ? document.Stages[^1] : null);
        FeedingStages = ImageStage is null ? [] : CollectFeeding(ImageStage);
    }

    public DockerfileDocument Document { get; }

    /// <summary>The stage that becomes the image (the last one, or the build target); null when the target names no stage.</summary>
    public DockerfileStage? ImageStage { get; }

    /// <summary>The image stage and every stage whose content can reach it (FROM, COPY --from, RUN --mount from=).</summary>
    public IReadOnlyList<DockerfileStage> FeedingStages { get; }

    public StagePlatform PlatformOf(DockerfileStage stage) => _platforms[stage.Index];

    public DockerfileStage? ParentOf(DockerfileStage stage) => _parents[stage.Index];

    /// <summary>The ARGs and ENVs visible just before <paramref name="line"/> in the stage, inherited ones included.</summary>
    public IReadOnlyDictionary<string, ScopedVariable> ScopeAt(DockerfileStage stage, int line)
    {
        var chain = new Stack<DockerfileStage>();
        for (var s = stage; s is not null && chain.Count <= Document.Stages.Count; s = ParentOf(s))
        {
            chain.Push(s);
        }

        var scope = new Dictionary<string, ScopedVariable>(StringComparer.Ordinal);
        while (chain.Count > 0)
        {
            var s = chain.Pop();
            foreach (var instruction in s.Instructions)
            {
                if (s == stage && instruction.Line >= line)
                {
                    break;
                }

                Declare(scope, instruction);
            }
        }

        return scope;
    }

    /// <summary>
    /// What an expression comes to in a scope: <see cref="ValueOrigin.Target"/> when it derives from an automatic
    /// TARGET* arg (even one given a default: MULTIARCH2005 reports that at its ARG), a parameter when it depends on
    /// something unknown here (a --build-arg, an ARG without a value, a shell variable, a command substitution),
    /// else a constant with its value and the ARG/ENV it came from (the first variable followed).
    /// </summary>
    public ResolvedValue Resolve(string expression, IReadOnlyDictionary<string, ScopedVariable> scope)
    {
        var origin = OriginOf(expression, scope);
        if (origin != ValueOrigin.Constant)
        {
            return new ResolvedValue(origin, null, null);
        }

        ScopedVariable? source = null;
        string? Lookup(string name, int depth)
        {
            if (!scope.TryGetValue(name, out var variable) || variable.Value is null || depth > 8)
            {
                return null;
            }

            source ??= variable;
            return VariableExpander.Expand(variable.Value, n => Lookup(n, depth + 1), Document.EscapeCharacter);
        }

        var value = VariableExpander.Expand(expression, n => Lookup(n, 0), Document.EscapeCharacter);
        return new ResolvedValue(ValueOrigin.Constant, DockerfileParser.Unquote(value), source);
    }

    /// <summary>How an expression relates to the target architecture, given the scope it is evaluated in.</summary>
    public ValueOrigin OriginOf(string expression, IReadOnlyDictionary<string, ScopedVariable> scope, int depth = 0)
    {
        var names = VariableExpander.ReferencedNames(expression, Document.EscapeCharacter).ToList();
        if (names.Count == 0)
        {
            // Shell command substitution computing the value at run time ($(uname -m)) is not a literal.
            return expression.Contains("$(", StringComparison.Ordinal) || expression.Contains('`') ? ValueOrigin.Parameter : ValueOrigin.Constant;
        }

        var origin = ValueOrigin.Constant;
        foreach (var name in names)
        {
            if (name.StartsWith("TARGET", StringComparison.Ordinal) && AutomaticArgs.Contains(name))
            {
                // Meant to follow the target; a default that breaks it is MULTIARCH2005's finding, at that ARG.
                return ValueOrigin.Target;
            }

            if (!scope.TryGetValue(name, out var variable) || variable.Value is null || variable.FromBuildArg || depth > 8)
            {
                origin = ValueOrigin.Parameter;
                continue;
            }

            var inner = OriginOf(variable.Value, scope, depth + 1);
            if (inner == ValueOrigin.Target)
            {
                return ValueOrigin.Target;
            }

            if (inner == ValueOrigin.Parameter)
            {
                origin = ValueOrigin.Parameter;
            }
        }

        return origin;
    }

    /// <summary>
    /// The variables of a FROM line that the global scope leaves without a value (not a global ARG with a value, not
    /// a build arg of a declared ARG, not an automatic platform arg), and the line as BuildKit would expand it.
    /// </summary>
    public (IReadOnlyList<string> Undefined, string Expanded) ExpandFrom(string text)
    {
        var undefined = new List<string>();
        var expanded = VariableExpander.Expand(
            text,
            name =>
            {
                var value = GlobalValue(name, markers: true);
                if (value is null && !AutomaticArgs.Contains(name))
                {
                    undefined.Add(name);
                }

                return value;
            },
            Document.EscapeCharacter);
        return (undefined, expanded);
    }

    /// <summary>Expands text with the global scope that FROM lines see (build args, global ARGs, automatic args).</summary>
    public string ExpandGlobal(string text, bool markers)
        => VariableExpander.Expand(text, name => GlobalValue(name, markers), Document.EscapeCharacter);

    private string? GlobalValue(string name, bool markers)
    {
        var declared = Document.GlobalArgs.LastOrDefault(a => a.Name == name);
        if (_buildArgs.TryGetValue(name, out var fromBuild) && (declared is not null || AutomaticArgs.Contains(name)))
        {
            return fromBuild;
        }

        if (declared?.DefaultValue is { } value)
        {
            return VariableExpander.Expand(value, n => n == name ? null : GlobalValue(n, markers), Document.EscapeCharacter);
        }

        if (markers && AutomaticArgs.Contains(name))
        {
            return name.StartsWith("BUILD", StringComparison.Ordinal) ? BuildMarker : TargetMarker;
        }

        return null;
    }

    private void Declare(Dictionary<string, ScopedVariable> scope, Instruction instruction)
    {
        if (instruction.Is("ARG"))
        {
            foreach (var arg in DockerfileParser.ParseArgs(instruction))
            {
                // A stage ARG without a value takes --build-arg, else the global ARG's default, else (automatic) the per-platform value.
                var global = Document.GlobalArgs.LastOrDefault(g => g.Name == arg.Name);
                var fromBuildArg = _buildArgs.TryGetValue(arg.Name, out var b);
                var value = fromBuildArg ? b : arg.DefaultValue ?? global?.DefaultValue;
                var defaultLine = fromBuildArg ? (int?)null : arg.DefaultValue is not null ? arg.Line : global?.Line;
                scope[arg.Name] = new ScopedVariable(arg.Name, value, IsArg: true, arg.Line, fromBuildArg, defaultLine);
            }
        }
        else if (instruction.Is("ENV"))
        {
            foreach (var (name, value) in DockerfileParser.ParseEnv(instruction))
            {
                scope[name] = new ScopedVariable(name, value, IsArg: false, instruction.Line, DefaultLine: instruction.Line);
            }
        }
    }

    private StagePlatform ResolvePlatform(DockerfileStage stage, DockerfileStage? parent)
    {
        if (stage.PlatformFlag is null)
        {
            return parent is null
                ? new StagePlatform(StagePlatformKind.Target, null, stage.From, null)
                : _platforms[parent.Index];
        }

        // --platform=$BUILDPLATFORM says the stage runs on the build machine, also when a global ARG gives BUILDPLATFORM
        // a default: MULTIARCH2005 reports that default at its ARG, once; judging the stage by the default's value would
        // report it again as hard-coded and advise the very --platform it has. (A TARGET* default does pin the stage to
        // one platform for every entry, so there the constant stands: MULTIARCH2002 on the image stage.)
        var expanded = VariableExpander.Expand(stage.PlatformFlag, name => name.StartsWith("BUILD", StringComparison.Ordinal) && AutomaticArgs.Contains(name) && !_buildArgs.ContainsKey(name) ? BuildMarker : GlobalValue(name, markers: true), Document.EscapeCharacter);
        if (expanded.Contains(BuildMarker, StringComparison.Ordinal))
        {
            return new StagePlatform(StagePlatformKind.Build, null, stage.From, stage.PlatformFlag);
        }

        if (expanded.Contains(TargetMarker, StringComparison.Ordinal))
        {
            return new StagePlatform(StagePlatformKind.Target, null, stage.From, stage.PlatformFlag);
        }

        return OciPlatform.TryParse(expanded, out var constant, out _)
            ? new StagePlatform(StagePlatformKind.Constant, constant, stage.From, stage.PlatformFlag)
            : new StagePlatform(StagePlatformKind.Unknown, null, stage.From, stage.PlatformFlag);
    }

    private List<DockerfileStage> CollectFeeding(DockerfileStage image)
    {
        var seen = new HashSet<int>();
        var queue = new Queue<DockerfileStage>();
        queue.Enqueue(image);
        var result = new List<DockerfileStage>();
        while (queue.Count > 0)
        {
            var stage = queue.Dequeue();
            if (!seen.Add(stage.Index))
            {
                continue;
            }

            result.Add(stage);
            if (ParentOf(stage) is { } parent)
            {
                queue.Enqueue(parent);
            }

            foreach (var source in SourcesOf(stage))
            {
                if (Document.FindStage(ExpandGlobal(source, markers: false), stage.Index) is { } from)
                {
                    queue.Enqueue(from);
                }
            }
        }

        return result.OrderBy(s => s.Index).ToList();
    }

    private static IEnumerable<string> SourcesOf(DockerfileStage stage)
    {
        foreach (var instruction in stage.Instructions)
        {
            if (instruction.Is("COPY") || instruction.Is("ADD"))
            {
                foreach (var from in instruction.FlagValues("from"))
                {
                    yield return from;
                }
            }
            else if (instruction.Is("RUN"))
            {
                foreach (var mount in instruction.FlagValues("mount"))
                {
                    foreach (var part in mount.Split(','))
                    {
                        var eq = part.IndexOf('=');
                        if (eq > 0 && part[..eq].Trim().Equals("from", StringComparison.OrdinalIgnoreCase))
                        {
                            yield return part[(eq + 1)..].Trim();
                        }
                    }
                }
            }
        }
    }
}
