using System.Text.RegularExpressions;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// How the checks read the shell of a RUN step: its script (heredocs included), its simple commands, the variables
/// it sets and whether it maps literals from $TARGETARCH. Shared by the rules; pure text analysis, no shell runs.
/// </summary>
internal static partial class ShellScript
{
    /// <summary>The shell text of a RUN: its command plus the heredocs that are its script.</summary>
    public static string Of(Instruction run)
        => run.Heredocs.Count == 0 ? run.CommandText : run.CommandText + "\n" + string.Join("\n", run.Heredocs.Where(h => IsScript(run, h)).Select(h => h.Body));

    /// <summary>
    /// Text whose variables BuildKit or the build shell expands: arguments, flag values, RUN heredoc scripts,
    /// and unquoted heredocs (data heredocs with a quoted delimiter stay literal).
    /// </summary>
    public static string UsageText(Instruction instruction)
    {
        var parts = new List<string> { instruction.Arguments };
        parts.AddRange(instruction.Flags.Select(f => f.Value ?? string.Empty));
        parts.AddRange(instruction.Heredocs.Where(h => h.Expand || (instruction.Is("RUN") && IsScript(instruction, h))).Select(h => h.Body));
        return string.Join("\n", parts);
    }

    /// <summary><c>RUN &lt;&lt;EOF</c> (or <c>RUN &lt;&lt;EOF bash</c>): the heredoc is the script the shell runs, not data for a command.</summary>
    public static bool IsScript(Instruction run, Heredoc heredoc)
        => run.Is("RUN") && ShellOnly().IsMatch(HeredocMarker().Replace(run.Arguments, string.Empty));

    /// <summary>Splits a shell script into simple commands at &amp;&amp;, ||, ;, | and newlines.</summary>
    public static IEnumerable<string> Commands(string script)
        => CommandSeparator().Split(script).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>
    /// Whether the RUN (anywhere, <c>export GOARCH=...</c> included) or the stage's ARG/ENV scope sets the variable.
    /// A literal value is MULTIARCH2006's finding, a value from TARGETARCH or a --build-arg is right: either way the
    /// author chose the architecture, so MULTIARCH2003 stays quiet.
    /// </summary>
    public static bool SetsVariable(string shell, IReadOnlyDictionary<string, ScopedVariable> scope, string variable)
        => Regex.IsMatch(shell, $@"(?<![\w$]){variable}=", RegexOptions.CultureInvariant) || scope.ContainsKey(variable);

    /// <summary>Whether the text assigns the shell variable (<c>NAME=</c> at a word start, or <c>export NAME</c>).</summary>
    public static bool AssignsVariable(string text, string name)
        => Regex.IsMatch(text, $@"(^|[\s;&|(]){name}=", RegexOptions.CultureInvariant) || Regex.IsMatch(text, $@"\bexport\s+{name}\b", RegexOptions.CultureInvariant);

    /// <summary><c>case "$TARGETARCH" in ...</c> or <c>[ "$TARGETARCH" = ... ]</c>: literals in the script map the target, they do not hard-code it.</summary>
    public static bool MapsTargetArchitecture(string shell)
        => TargetMapping().IsMatch(shell);

    /// <summary>
    /// Whether the script picks values by the architecture it runs on or builds for: a <c>case</c>/<c>if</c> on
    /// $TARGETARCH (or TARGETPLATFORM/TARGETVARIANT), on <c>$(uname -m)</c>, <c>dpkg --print-architecture</c>,
    /// <c>apk --print-arch</c> or <c>xx-info</c>. In a target-platform stage each of these is the target's.
    /// </summary>
    public static bool ChoosesByArchitecture(string shell)
        => MapsTargetArchitecture(shell) || RuntimeArchitectureMapping().IsMatch(shell);

    /// <summary>The words of a script, split at blanks and separators, quotes kept.</summary>
    public static IEnumerable<string> Words(string script)
        => WordSplitter().Split(script).Where(w => w.Length > 0);

    /// <summary>Whether a bare assignment (<c>NAME=value</c> alone) is made visible to later commands: <c>export NAME</c> or <c>set -a</c>.</summary>
    public static bool Exports(string shell, string name)
        => Regex.IsMatch(shell, $@"\b(export|declare\s+-x|typeset\s+-x)\s+([\w=""'$/.:-]+\s+)*{name}\b", RegexOptions.CultureInvariant) || AllExport().IsMatch(shell);

    [GeneratedRegex(@"\bset\s+(-a\b|-o\s+allexport\b)")]
    private static partial Regex AllExport();

    [GeneratedRegex(@"[\s;&|()]+")]
    private static partial Regex WordSplitter();

    [GeneratedRegex(@"((\bcase\b|\[\[?|\btest\b|\bif\b)[^\n]*(\$\(\s*(uname\s+-m|arch|dpkg\s+--print-architecture|apk\s+--print-arch|xx-info)|`\s*uname\s+-m))|\$\(\s*xx-info\b")]
    private static partial Regex RuntimeArchitectureMapping();

    [GeneratedRegex(@"(\bcase\b[^\n]*\$\{?TARGET(ARCH|PLATFORM|VARIANT))|((\[\[?|\btest)\s[^\n]*\$\{?TARGET(ARCH|PLATFORM|VARIANT))")]
    private static partial Regex TargetMapping();

    [GeneratedRegex(@"^\s*((/usr)?/bin/)?(ba|da|a)?sh(\s+-\S+)*\s*$|^\s*$")]
    private static partial Regex ShellOnly();

    [GeneratedRegex(@"<<-?([""']?)[A-Za-z_][A-Za-z0-9_]*\1")]
    private static partial Regex HeredocMarker();

    [GeneratedRegex(@"&&|\|\||;|\||\n")]
    private static partial Regex CommandSeparator();
}
