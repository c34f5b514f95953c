using System.Text.RegularExpressions;

namespace MultiArch.Build.Dockerfiles;

/// <summary>The architecture a dotnet command line selects, as written (<c>-r linux-x64</c>), its value, and whether it is a RID.</summary>
internal sealed record DotnetArch(string Text, string Value, bool IsRid);

/// <summary>
/// The compilers and package tools the rules recognise in a shell command (go, dotnet, cargo, rustc), the options that
/// choose their target, and architecture names: shared by the rules that judge what a command builds for.
/// </summary>
internal static partial class Toolchains
{
    /// <summary>Architecture names a constant must be one of to count as hard-coding through an architecture-named variable.</summary>
    public static readonly IReadOnlySet<string> KnownArchitectures = new HashSet<string>(StringComparer.Ordinal) { "amd64", "386", "arm64", "arm", "s390x", "ppc64le", "riscv64", "loong64", "mips64le" };

    /// <summary>The variables that choose what a compiler targets, checked wherever they get a constant.</summary>
    public static readonly IReadOnlySet<string> CrossCompileVariables = new HashSet<string>(StringComparer.Ordinal) { "GOARCH", "GOOS", "GOARM", "CC", "CXX", "CARGO_BUILD_TARGET" };

    /// <summary>GOARCH, ARCH, ARCHITECTURE, *_ARCH (not the automatic TARGETARCH/BUILDARCH).</summary>
    public static bool IsArchitectureName(string name)
        => !StageGraph.AutomaticArgs.Contains(name) && (name is "GOARCH" or "ARCH" or "ARCHITECTURE" || name.EndsWith("_ARCH", StringComparison.Ordinal));

    /// <summary>The Go name of an architecture written in another vocabulary (x86_64, x64, aarch64).</summary>
    public static string NormalizeArch(string arch)
        => arch.ToLowerInvariant() switch
        {
            "x64" or "x86_64" or "x86-64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "loongarch64" => "loong64",
            var a => a,
        };

    /// <summary>The Go architecture of a target triple or a cross compiler's name (aarch64-linux-gnu-gcc: arm64), or null.</summary>
    public static string? TripleArchitecture(string value)
    {
        var name = value.Trim().Split('/')[^1];
        var first = name.Split('-')[0];
        if (!name.Contains('-'))
        {
            return null;
        }

        return first switch
        {
            "x86_64" or "amd64" => "amd64",
            "i386" or "i586" or "i686" => "386",
            "aarch64" or "arm64" => "arm64",
            "arm" or "armv7" or "armv7l" or "armv6" or "thumbv7neon" => "arm",
            "s390x" => "s390x",
            "powerpc64le" or "ppc64le" => "ppc64le",
            "riscv64" or "riscv64gc" => "riscv64",
            "loongarch64" => "loong64",
            _ => null,
        };
    }

    /// <summary>The architecture a dotnet command line selects (-a, --arch, -r, --runtime, -p:RuntimeIdentifier=), or null.</summary>
    public static DotnetArch? DotnetArchitecture(string command)
    {
        var m = DotnetArchOption().Match(command);
        if (!m.Success)
        {
            return null;
        }

        var option = m.Groups["opt"].Value;
        var isRid = option is "-r" or "--runtime" || option.Contains("RuntimeIdentifier", StringComparison.OrdinalIgnoreCase);
        return new DotnetArch(m.Value.Trim(), DockerfileParser.Unquote(m.Groups["value"].Value), isRid);
    }

    /// <summary>The folder a dotnet command writes to (<c>-o</c>, <c>--output</c>), or null.</summary>
    public static string? DotnetOutput(string command)
        => DotnetOutputOption().Match(command) is { Success: true } m ? DockerfileParser.Unquote(m.Groups["value"].Value) : null;

    /// <summary>Framework-dependent output without an apphost is portable IL: no architecture to choose.</summary>
    public static bool DotnetIsPortable(string command)
        => UseAppHostFalse().IsMatch(command) && !command.Contains("--self-contained", StringComparison.Ordinal) && !command.Contains("--sc", StringComparison.Ordinal);

    [GeneratedRegex(@"(?<![\w-])go\s+(build|install)\b")]
    public static partial Regex GoBuild();

    [GeneratedRegex(@"\bdotnet\s+(publish|build|restore)\b")]
    public static partial Regex DotnetBuild();

    [GeneratedRegex(@"\bdotnet(\s+[\w.-]+)?")]
    public static partial Regex DotnetAny();

    [GeneratedRegex(@"(?<![\w-])cargo\s+(build|install)\b")]
    public static partial Regex CargoBuild();

    [GeneratedRegex(@"(?<![\w$])(?<name>GOARCH|GOOS|GOARM|CC|CXX|CARGO_BUILD_TARGET)=(?<value>""[^""]*""|'[^']*'|[^\s;&|]*)")]
    public static partial Regex CrossCompileAssignment();

    /// <summary>An architecture in a URL, file name or flag value: amd64, x86_64, x86-64, x64, aarch64, arm64 as a whole word.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9])(amd64|x86_64|x86-64|x64|aarch64|arm64)(?![A-Za-z0-9])", RegexOptions.IgnoreCase)]
    public static partial Regex ArchitectureToken();

    [GeneratedRegex(@"\brustc\b")]
    public static partial Regex RustcCommand();

    [GeneratedRegex(@"--target[=\s]+(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)")]
    public static partial Regex RustTarget();

    [GeneratedRegex(@"(?:^|\s)(?<opt>-a|--arch|-r|--runtime|[-/]p(?:roperty)?:RuntimeIdentifier)(?:[=\s]+)(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DotnetArchOption();

    [GeneratedRegex(@"(?:^|\s)(?:-o|--output)(?:[=\s]+)(?<value>""[^""]*""|'[^']*'|[^\s;&|]+)")]
    private static partial Regex DotnetOutputOption();

    [GeneratedRegex(@"[-/]p(?:roperty)?:UseAppHost=false", RegexOptions.IgnoreCase)]
    private static partial Regex UseAppHostFalse();
}
