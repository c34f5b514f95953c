namespace MultiArch.Build.Dockerfiles;

/// <summary>A parser directive from the top of the file (<c># syntax=</c>, <c># escape=</c>, <c># check=</c>).</summary>
internal sealed record ParserDirective(string Name, string Value, int Line);

/// <summary>A <c>--name=value</c> (or bare <c>--name</c>) flag of an instruction.</summary>
internal sealed record InstructionFlag(string Name, string? Value);

/// <summary>A heredoc attached to an instruction (<c>RUN &lt;&lt;EOF</c>); its body is content, not instructions.</summary>
internal sealed record Heredoc(string Name, string Body, int Line, bool Expand, bool StripTabs);

/// <summary>One instruction, with continuation lines joined. Lines are 1-based.</summary>
internal sealed record Instruction(
    string Keyword,
    IReadOnlyList<InstructionFlag> Flags,
    string Arguments,
    IReadOnlyList<string>? JsonArguments,
    IReadOnlyList<Heredoc> Heredocs,
    int Line,
    int EndLine)
{
    /// <summary>The value of the first flag with this name (<c>platform</c> for <c>--platform=...</c>), or null.</summary>
    public string? Flag(string name)
        => Flags.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    public IEnumerable<string> FlagValues(string name)
        => Flags.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value ?? string.Empty);

    public bool Is(string keyword) => string.Equals(Keyword, keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>The command text a shell would see: JSON form joined with spaces, plus heredoc bodies run by the shell.</summary>
    public string CommandText => JsonArguments is null ? Arguments : string.Join(' ', JsonArguments);
}

/// <summary>An <c>ARG NAME[=default]</c> declaration.</summary>
internal sealed record ArgDeclaration(string Name, string? DefaultValue, int Line);

/// <summary>A build stage: its FROM line and the instructions up to the next FROM.</summary>
internal sealed class DockerfileStage
{
    public DockerfileStage(int index, Instruction from, string baseImage, string? name, string? platformFlag)
    {
        Index = index;
        From = from;
        BaseImage = baseImage;
        Name = name;
        PlatformFlag = platformFlag;
    }

    public int Index { get; }

    public Instruction From { get; }

    /// <summary>The image or earlier stage named after FROM, unexpanded.</summary>
    public string BaseImage { get; }

    /// <summary>The stage name after AS, lower-cased as BuildKit compares it, or null.</summary>
    public string? Name { get; }

    /// <summary>The raw <c>--platform</c> value of the FROM line, or null.</summary>
    public string? PlatformFlag { get; }

    public List<Instruction> Instructions { get; } = [];

    public string DisplayName => Name ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A parsed Dockerfile: directives, global ARGs (before the first FROM) and stages.</summary>
internal sealed class DockerfileDocument
{
    public string? Path { get; init; }

    public char EscapeCharacter { get; init; } = '\\';

    public IReadOnlyList<ParserDirective> Directives { get; init; } = [];

    public IReadOnlyList<ArgDeclaration> GlobalArgs { get; init; } = [];

    public IReadOnlyList<DockerfileStage> Stages { get; init; } = [];

    /// <summary>Every instruction in file order, including global ARGs.</summary>
    public IReadOnlyList<Instruction> Instructions { get; init; } = [];

    /// <summary>The stage with this name (case-insensitive) or index, or null.</summary>
    public DockerfileStage? FindStage(string nameOrIndex, int beforeIndex = int.MaxValue)
    {
        var key = nameOrIndex.Trim().ToLowerInvariant();
        var byName = Stages.FirstOrDefault(s => s.Index < beforeIndex && s.Name == key);
        if (byName is not null)
        {
            return byName;
        }

        return int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < Stages.Count && index < beforeIndex
            ? Stages[index]
            : null;
    }
}
