using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH2020: <c>RUN GOOS=$TARGETOS GOARCH=$TARGETARCH &amp;&amp; go build</c>: an assignment that is a statement of
/// its own (followed by <c>&amp;&amp;</c>, <c>;</c> or a new line) sets a shell variable, not the environment of the
/// commands after it, so go builds for the build machine. Reported for the variables a build tool reads from its
/// environment (GOARCH, CGO_ENABLED, CC, CARGO_BUILD_TARGET, npm_config_arch, ...) and for any variable whose value
/// comes from an automatic platform ARG, when the script neither exports it nor reads it (<c>$NAME</c>) later.
/// </summary>
internal sealed partial class AssignmentNeverReachesCommandRule : DockerfileRule
{
    /// <summary>Variables that tools read from their environment to choose what they build for.</summary>
    private static readonly IReadOnlySet<string> EnvironmentVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "CGO_ENABLED", "CC", "CXX", "AR", "CGO_CFLAGS", "CGO_LDFLAGS",
        "CARGO_BUILD_TARGET", "RUSTFLAGS", "npm_config_arch", "npm_config_target_arch", "npm_config_platform", "npm_config_libc",
        "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR", "DOTNET_RUNTIME_IDENTIFIER",
    };

    public override string ResourceName => nameof(Strings.AssignmentNeverReachesCommand);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "an assignment that never reaches the command";

    public override void Check(DockerfileRuleContext context)
    {
        if (!context.BuildsForeignPlatforms)
        {
            return;
        }

        foreach (var run in context.Graph.FeedingStages.SelectMany(s => s.Instructions).Where(i => i.Is("RUN")))
        {
            var shell = ShellScript.Of(run);
            var statements = Statement().Matches(shell).Where(m => m.Groups["body"].Value.Trim().Length > 0).ToList();
            for (var i = 0; i + 1 < statements.Count; i++)
            {
                var statement = statements[i];
                var separator = statement.Groups["sep"].Value;
                if (separator is not ("&&" or ";" or "\n") || !BareAssignments().IsMatch(statement.Groups["body"].Value))
                {
                    continue;
                }

                var rest = shell[(statement.Index + statement.Length)..];
                foreach (Match assignment in Assignment().Matches(statement.Groups["body"].Value))
                {
                    var name = assignment.Groups["name"].Value;
                    var fromPlatform = AutomaticArg().IsMatch(assignment.Groups["value"].Value);
                    if ((EnvironmentVariables.Contains(name) || fromPlatform)
                        && !ShellScript.Exports(shell, name)
                        && !Regex.IsMatch(rest, $@"\$\{{?{name}\b", RegexOptions.CultureInvariant))
                    {
                        var next = statements[i + 1].Groups["body"].Value.Trim();
                        context.Add(Finding(statement.Groups["body"].Value.Trim(), separator == "\n" ? "a new line" : separator, name, next), run);
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The variables the script assigns in statements of their own (<c>GOARCH=arm64 &amp;&amp; ...</c>), which this rule judges.</summary>
    public static IReadOnlySet<string> BareAssignedNames(string shell)
        => Statement().Matches(shell)
            .Where(m => m.Groups["sep"].Value is "&&" or ";" or "\n" && BareAssignments().IsMatch(m.Groups["body"].Value))
            .SelectMany(m => Assignment().Matches(m.Groups["body"].Value).Select(a => a.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>A statement and the separator after it (&amp;&amp;, ||, ;, |, a new line, or the end).</summary>
    [GeneratedRegex(@"(?<body>(?:""[^""]*""|'[^']*'|\$\([^)]*\)|[^;&|\n""'])*)(?<sep>&&|\|\||;;?|\||\n|&|$)")]
    private static partial Regex Statement();

    [GeneratedRegex(@"^\s*(?:[A-Za-z_][A-Za-z0-9_]*=(?:""[^""]*""|'[^']*'|\$\([^)]*\)|[^\s;&|""'])*\s*)+$")]
    private static partial Regex BareAssignments();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|'[^']*'|\$\([^)]*\)|[^\s;&|""']*)")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\$\{?(TARGET|BUILD)(PLATFORM|OS|ARCH|VARIANT)\b")]
    private static partial Regex AutomaticArg();
}
