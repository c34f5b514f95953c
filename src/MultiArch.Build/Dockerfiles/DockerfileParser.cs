using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>The document and any syntax errors (each with its line). A document is always returned.</summary>
internal sealed record DockerfileParseResult(DockerfileDocument Document, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// Parses Dockerfiles the way BuildKit's frontend reads them: parser directives, line continuations
/// with either escape character, comments (also between continued lines), heredocs whose bodies are
/// not instructions, JSON and shell forms, leading <c>--flags</c>, global ARGs and stages.
/// Never throws on any input: problems are diagnostics.
/// </summary>
internal static partial class DockerfileParser
{
    /// <summary>Files larger than this are refused (a Dockerfile is text a person writes).</summary>
    public const int MaxLength = 4 * 1024 * 1024;

    private static readonly HashSet<string> KnownInstructions = new(StringComparer.OrdinalIgnoreCase)
    {
        "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
        "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
    };

    private static readonly HashSet<string> FlagInstructions = new(StringComparer.OrdinalIgnoreCase)
    {
        "FROM", "RUN", "COPY", "ADD", "HEALTHCHECK",
    };

    private static readonly HashSet<string> HeredocInstructions = new(StringComparer.OrdinalIgnoreCase) { "RUN", "COPY", "ADD" };

    public static DockerfileParseResult Parse(string text, string? path = null)
    {
        var diagnostics = new List<Diagnostic>();
        if (text.Length > MaxLength)
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"the file is larger than {MaxLength / (1024 * 1024)} MiB").At(path, 1, 1));
            return new DockerfileParseResult(new DockerfileDocument { Path = path }, diagnostics);
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        if (lines.Length > 0 && lines[0].Length > 0 && lines[0][0] == '\uFEFF')
        {
            lines[0] = lines[0][1..];
        }

        var (directives, firstLine) = ReadDirectives(lines);
        var escape = '\\';
        var escapeDirective = directives.LastOrDefault(d => d.Name == "escape");
        if (escapeDirective is not null)
        {
            if (escapeDirective.Value is "`" or "\\")
            {
                escape = escapeDirective.Value[0];
            }
            else
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"invalid escape directive '{escapeDirective.Value}' (use \\ or `)").At(path, escapeDirective.Line, 1));
            }
        }

        var instructions = new List<Instruction>();
        var i = firstLine;
        while (i < lines.Length)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                i++;
                continue;
            }

            var startLine = i + 1;
            var logical = new StringBuilder();
            while (true)
            {
                var line = lines[i];
                var lineTrimmed = line.Trim();
                var continued = logical.Length > 0 || i + 1 > startLine;
                if (continued && i + 1 > startLine && (lineTrimmed.Length == 0 || lineTrimmed[0] == '#'))
                {
                    // Comments and empty lines inside a continued instruction are dropped, as BuildKit does.
                    i++;
                    if (i >= lines.Length)
                    {
                        break;
                    }

                    continue;
                }

                var end = line.TrimEnd();
                if (end.Length > 0 && end[^1] == escape)
                {
                    logical.Append(end, 0, end.Length - 1);
                    i++;
                    if (i >= lines.Length)
                    {
                        break;
                    }

                    continue;
                }

                logical.Append(line);
                i++;
                break;
            }

            var endLine = Math.Min(i, lines.Length);
            var instruction = ParseInstruction(logical.ToString(), startLine, endLine, path, diagnostics);
            if (instruction is null)
            {
                continue;
            }

            if (HeredocInstructions.Contains(instruction.Keyword) && instruction.JsonArguments is null)
            {
                var heredocs = ReadHeredocs(instruction, lines, ref i, path, diagnostics);
                if (heredocs.Count > 0)
                {
                    instruction = instruction with { Heredocs = heredocs, EndLine = i };
                }
            }

            instructions.Add(instruction);
        }

        var document = BuildDocument(instructions, directives, escape, path, diagnostics);
        return new DockerfileParseResult(document, diagnostics);
    }

    private static (List<ParserDirective> Directives, int FirstLine) ReadDirectives(string[] lines)
    {
        var directives = new List<ParserDirective>();
        var i = 0;
        for (; i < lines.Length; i++)
        {
            var match = DirectivePattern().Match(lines[i]);
            if (!match.Success)
            {
                break;
            }

            var name = match.Groups[1].Value.ToLowerInvariant();
            if (name is not ("syntax" or "escape" or "check"))
            {
                // An unknown directive is a comment, and ends the directives.
                break;
            }

            if (directives.Any(d => d.Name == name))
            {
                break;
            }

            directives.Add(new ParserDirective(name, match.Groups[2].Value.Trim(), i + 1));
        }

        return (directives, i);
    }

    private static Instruction? ParseInstruction(string logical, int line, int endLine, string? path, List<Diagnostic> diagnostics)
    {
        var text = logical.Trim();
        var keywordEnd = 0;
        while (keywordEnd < text.Length && !char.IsWhiteSpace(text[keywordEnd]))
        {
            keywordEnd++;
        }

        var keyword = text[..keywordEnd].ToUpperInvariant();
        var rest = text[keywordEnd..].TrimStart();
        if (!KnownInstructions.Contains(keyword))
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"unknown instruction '{Truncate(text[..keywordEnd])}'").At(path, line, 1));
            return null;
        }

        var flags = new List<InstructionFlag>();
        if (FlagInstructions.Contains(keyword))
        {
            while (rest.StartsWith("--", StringComparison.Ordinal))
            {
                var tokenEnd = 0;
                while (tokenEnd < rest.Length && !char.IsWhiteSpace(rest[tokenEnd]))
                {
                    tokenEnd++;
                }

                var token = rest[2..tokenEnd];
                var eq = token.IndexOf('=');
                flags.Add(eq < 0 ? new InstructionFlag(token, null) : new InstructionFlag(token[..eq], Unquote(token[(eq + 1)..])));
                rest = rest[tokenEnd..].TrimStart();
            }
        }

        IReadOnlyList<string>? json = null;
        if (rest.StartsWith('[') && keyword is "RUN" or "CMD" or "ENTRYPOINT" or "COPY" or "ADD" or "SHELL" or "VOLUME" or "HEALTHCHECK")
        {
            json = TryParseJsonArray(rest);
        }

        return new Instruction(keyword, flags, rest, json, [], line, endLine);
    }

    private static List<Heredoc> ReadHeredocs(Instruction instruction, string[] lines, ref int i, string? path, List<Diagnostic> diagnostics)
    {
        var heredocs = new List<Heredoc>();
        foreach (Match match in HeredocPattern().Matches(instruction.Arguments))
        {
            if (InsideQuotes(instruction.Arguments, match.Index))
            {
                continue;
            }

            var stripTabs = match.Groups[1].Value == "-";
            var quoted = match.Groups[2].Value.Length > 0;
            var name = match.Groups[3].Value;
            var bodyStart = i;
            var body = new StringBuilder();
            var terminated = false;
            while (i < lines.Length)
            {
                var line = lines[i];
                i++;
                var candidate = stripTabs ? line.TrimStart('\t') : line;
                if (candidate == name)
                {
                    terminated = true;
                    break;
                }

                body.Append(candidate).Append('\n');
            }

            if (!terminated)
            {
                diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"heredoc '<<{name}' is not terminated by a line '{name}'").At(path, instruction.Line, 1));
            }

            heredocs.Add(new Heredoc(name, body.ToString(), bodyStart + 1, Expand: !quoted, StripTabs: stripTabs));
        }

        return heredocs;
    }

    private static DockerfileDocument BuildDocument(List<Instruction> instructions, List<ParserDirective> directives, char escape, string? path, List<Diagnostic> diagnostics)
    {
        var globalArgs = new List<ArgDeclaration>();
        var stages = new List<DockerfileStage>();
        DockerfileStage? current = null;
        foreach (var instruction in instructions)
        {
            if (instruction.Is("FROM"))
            {
                var words = instruction.Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                string? name = null;
                if (words.Length == 3 && words[1].Equals("as", StringComparison.OrdinalIgnoreCase))
                {
                    name = words[2].ToLowerInvariant();
                }
                else if (words.Length != 1)
                {
                    diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), "FROM takes an image and an optional 'AS name'").At(path, instruction.Line, 1));
                    if (words.Length == 0)
                    {
                        continue;
                    }
                }

                current = new DockerfileStage(stages.Count, instruction, words[0], name, instruction.Flag("platform"));
                stages.Add(current);
                continue;
            }

            if (current is null)
            {
                if (instruction.Is("ARG"))
                {
                    globalArgs.AddRange(ParseArgs(instruction));
                }
                else
                {
                    diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), $"{instruction.Keyword} before the first FROM (only ARG may come first)").At(path, instruction.Line, 1));
                }

                continue;
            }

            current.Instructions.Add(instruction);
        }

        if (stages.Count == 0 && !diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            diagnostics.Add(Diagnostic.Error(nameof(Strings.DockerfileSyntax), "the file has no FROM instruction").At(path, 1, 1));
        }

        return new DockerfileDocument
        {
            Path = path,
            EscapeCharacter = escape,
            Directives = directives,
            GlobalArgs = globalArgs,
            Stages = stages,
            Instructions = instructions,
        };
    }

    /// <summary>The names (and defaults) one ARG instruction declares: <c>ARG A B=1 C="x y"</c>.</summary>
    public static IEnumerable<ArgDeclaration> ParseArgs(Instruction arg)
    {
        foreach (var word in SplitWords(arg.Arguments))
        {
            var eq = word.IndexOf('=');
            yield return eq < 0
                ? new ArgDeclaration(word, null, arg.Line)
                : new ArgDeclaration(word[..eq], Unquote(word[(eq + 1)..]), arg.Line);
        }
    }

    /// <summary>ENV in both forms: <c>ENV A=1 B="x y"</c> and the legacy <c>ENV A value with spaces</c>.</summary>
    public static IEnumerable<(string Name, string Value)> ParseEnv(Instruction env)
    {
        var words = SplitWords(env.Arguments).ToList();
        if (words.Count > 0 && !words[0].Contains('='))
        {
            var space = env.Arguments.TrimStart().IndexOfAny([' ', '\t']);
            yield return (words[0], space < 0 ? string.Empty : Unquote(env.Arguments.TrimStart()[(space + 1)..].Trim()));
            yield break;
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            if (eq > 0)
            {
                yield return (word[..eq], Unquote(word[(eq + 1)..]));
            }
        }
    }

    /// <summary>Splits on whitespace outside quotes; quotes stay in the words.</summary>
    internal static IEnumerable<string> SplitWords(string text)
    {
        var word = new StringBuilder();
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                word.Append(c);
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                word.Append(c);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }
            else
            {
                word.Append(c);
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    private static bool InsideQuotes(string text, int index)
    {
        char quote = '\0';
        for (var i = 0; i < index; i++)
        {
            if (quote == '\0' && text[i] is '"' or '\'')
            {
                quote = text[i];
            }
            else if (text[i] == quote)
            {
                quote = '\0';
            }
        }

        return quote != '\0';
    }

    internal static string Unquote(string value)
        => value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;

    private static List<string>? TryParseJsonArray(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var items = new List<string>();
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    return null;
                }

                items.Add(element.GetString()!);
            }

            return items;
        }
        catch (JsonException)
        {
            // Not valid JSON: BuildKit falls back to the shell form.
            return null;
        }
    }

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "..." : text;

    [GeneratedRegex(@"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$")]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"(?<!<)<<(-?)([""']?)([A-Za-z_][A-Za-z0-9_]*)\2")]
    private static partial Regex HeredocPattern();
}
