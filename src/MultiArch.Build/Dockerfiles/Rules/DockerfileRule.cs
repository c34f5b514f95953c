using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// One Dockerfile check, as BuildKit's linter rules are (<c>frontend/dockerfile/linter/ruleset.go</c>): a value with
/// its code, message (the resource string), severity, title and documentation, and its logic, in a file of its own.
/// A new check is a new subclass in <c>Dockerfiles/Rules/</c>, its entry in <see cref="DockerfileRules.All"/>, its
/// string in Strings.resx, its row in docs/diagnostics.md and its section in docs/dockerfile-checks.md (a test holds
/// the last three to the rule).
/// </summary>
internal abstract partial class DockerfileRule
{
    /// <summary>The resource string of the message; its prefix is the code.</summary>
    public abstract string ResourceName { get; }

    /// <summary>The code (<c>MULTIARCH2006</c>), read from the resource string.</summary>
    public string Code => DiagnosticText.CodeOf(ResourceName);

    /// <summary>The severity the finding has unless <c>MultiArchDockerfileCheckSeverity</c> changes it.</summary>
    public abstract DiagnosticSeverity Severity { get; }

    /// <summary>What the rule finds, as the heading of its section in docs/dockerfile-checks.md says it.</summary>
    public abstract string Title { get; }

    /// <summary>The section's anchor in docs/dockerfile-checks.md (GitHub's slug of "CODE: title (severity)").</summary>
    public string DocAnchor => Slug($"{Code}: {Title} ({SeverityWord})");

    /// <summary>The documentation of the rule, relative to the repository.</summary>
    public string DocPath => "docs/dockerfile-checks.md#" + DocAnchor;

    /// <summary>The word the documentation's heading uses for <see cref="Severity"/>.</summary>
    public string SeverityWord => Severity.ToString().ToLowerInvariant();

    /// <summary>
    /// Whether the rule judges emulation, which needs the builder's native platforms (only the preflight learns them):
    /// it runs in <see cref="DockerfileCheckScope.EmulationOnly"/>, the others in <see cref="DockerfileCheckScope.WithoutEmulation"/>.
    /// </summary>
    public virtual bool JudgesEmulation => false;

    /// <summary>Whether the rule also runs when the build target names no stage (what BuildKit refuses whatever the target).</summary>
    public virtual bool RunsWithoutImageStage => false;

    /// <summary>Adds the rule's findings to the context.</summary>
    public abstract void Check(DockerfileRuleContext context);

    /// <summary>A finding of this rule with the message's arguments, to place with <see cref="DockerfileRuleContext.Add(Diagnostic, Instruction)"/>.</summary>
    protected Diagnostic Finding(params object?[] args) => new(ResourceName, Severity, args);

    public override string ToString() => $"{Code}: {Title}";

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Slug(string heading)
        => NotSlug().Replace(heading.ToLowerInvariant(), string.Empty).Replace(' ', '-');

    [GeneratedRegex(@"[^\p{L}\p{Nd}\s_-]")]
    private static partial Regex NotSlug();
}
