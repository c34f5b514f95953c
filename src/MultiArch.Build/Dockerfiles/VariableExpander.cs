using System.Text;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// Dockerfile (and POSIX shell) variable syntax: <c>$V</c>, <c>${V}</c>, <c>${V:-d}</c>, <c>${V-d}</c>,
/// <c>${V:+x}</c>, <c>${V+x}</c>. The escape character before <c>$</c> makes it literal.
/// </summary>
internal static class VariableExpander
{
    /// <summary>A variable reference found in text.</summary>
    public readonly record struct Reference(string Name, string? Operator, string? Word, int Start, int Length);

    /// <summary>Expands references; a variable the lookup does not know is empty, as in BuildKit.</summary>
    public static string Expand(string text, Func<string, string?> lookup, char escape = '\\')
    {
        var result = new StringBuilder(text.Length);
        var i = 0;
        var escapedDollar = $"{escape}$";
        foreach (var reference in FindReferences(text, escape))
        {
            result.Append(text.AsSpan(i, reference.Start - i).ToString().Replace(escapedDollar, "$", StringComparison.Ordinal));
            result.Append(Evaluate(reference, lookup, escape));
            i = reference.Start + reference.Length;
        }

        result.Append(text[i..].Replace(escapedDollar, "$", StringComparison.Ordinal));
        return result.ToString();
    }

    /// <summary>The names referenced, including those inside default words (<c>${A:-$B}</c> yields A and B).</summary>
    public static IEnumerable<string> ReferencedNames(string text, char escape = '\\')
    {
        foreach (var reference in FindReferences(text, escape))
        {
            yield return reference.Name;
            if (reference.Word is not null)
            {
                foreach (var inner in ReferencedNames(reference.Word, escape))
                {
                    yield return inner;
                }
            }
        }
    }

    public static IReadOnlyList<Reference> FindReferences(string text, char escape = '\\')
    {
        var found = new List<Reference>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == escape && i + 1 < text.Length && text[i + 1] == '$')
            {
                i++;
                continue;
            }

            if (c != '$' || i + 1 >= text.Length)
            {
                continue;
            }

            var next = text[i + 1];
            if (next == '{')
            {
                var close = FindClosingBrace(text, i + 2);
                if (close < 0)
                {
                    continue;
                }

                var inner = text.Substring(i + 2, close - i - 2);
                var nameLength = 0;
                while (nameLength < inner.Length && IsNameChar(inner[nameLength], nameLength == 0))
                {
                    nameLength++;
                }

                if (nameLength == 0)
                {
                    continue;
                }

                string? op = null;
                string? word = null;
                var rest = inner[nameLength..];
                foreach (var candidate in new[] { ":-", ":+", "-", "+", ":?", "?" })
                {
                    if (rest.StartsWith(candidate, StringComparison.Ordinal))
                    {
                        op = candidate;
                        word = rest[candidate.Length..];
                        break;
                    }
                }

                if (op is null && rest.Length > 0)
                {
                    // ${V/pattern/...}, ${V%...}, ${#V}: shell-only forms; still a reference to V.
                    op = rest;
                }

                found.Add(new Reference(inner[..nameLength], op, word, i, close - i + 1));
                i = close;
            }
            else if (IsNameChar(next, first: true))
            {
                var end = i + 1;
                while (end < text.Length && IsNameChar(text[end], end == i + 1))
                {
                    end++;
                }

                found.Add(new Reference(text.Substring(i + 1, end - i - 1), null, null, i, end - i));
                i = end - 1;
            }
        }

        return found;
    }

    private static string Evaluate(Reference reference, Func<string, string?> lookup, char escape)
    {
        var value = lookup(reference.Name);
        var word = reference.Word is null ? string.Empty : Expand(reference.Word, lookup, escape);
        return reference.Operator switch
        {
            ":-" => string.IsNullOrEmpty(value) ? word : value,
            "-" => value ?? word,
            ":+" => string.IsNullOrEmpty(value) ? string.Empty : word,
            "+" => value is null ? string.Empty : word,
            _ => value ?? string.Empty,
        };
    }

    private static int FindClosingBrace(string text, int from)
    {
        var depth = 1;
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsNameChar(char c, bool first)
        => c == '_' || (c is >= 'a' and <= 'z') || (c is >= 'A' and <= 'Z') || (!first && c is >= '0' and <= '9');
}
