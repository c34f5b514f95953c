using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Oci;

/// <summary>A parsed image reference: <c>[registry[:port]/]repository[:tag][@digest]</c>, with Docker Hub's defaults.</summary>
internal sealed partial record ImageReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>What to ask the registry for: the digest when there is one, else the tag (default <c>latest</c>).</summary>
    public string Reference => Digest?.ToString() ?? Tag ?? "latest";

    public static ImageReference Parse(string text)
        => TryParse(text, out var reference, out var reason) ? reference : throw new ImageReferenceException(text, reason);

    public static bool TryParse(string? text, [NotNullWhen(true)] out ImageReference? reference, out string reason)
    {
        reference = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length is 0 or > 4096)
        {
            reason = value.Length == 0 ? "it is empty" : "it is too long";
            return false;
        }

        Digest? digest = null;
        var at = value.IndexOf('@');
        if (at >= 0)
        {
            if (!Oci.Digest.TryParse(value[(at + 1)..], out digest))
            {
                reason = $"'{value[(at + 1)..]}' is not a sha256/sha512 digest";
                return false;
            }

            value = value[..at];
        }

        string? tag = null;
        var lastSlash = value.LastIndexOf('/');
        var colon = value.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = value[(colon + 1)..];
            value = value[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                reason = $"'{tag}' is not a valid tag";
                return false;
            }
        }

        var registry = DockerHub;
        var firstSlash = value.IndexOf('/');
        if (firstSlash > 0)
        {
            var first = value[..firstSlash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost")
            {
                if (!RegistryHost.IsValid(first, out var hostReason))
                {
                    reason = $"the registry '{first}' is not usable: {hostReason}";
                    return false;
                }

                registry = first;
                value = value[(firstSlash + 1)..];
            }
        }

        if (registry == DockerHub && !value.Contains('/'))
        {
            value = "library/" + value;
        }

        if (!RepositoryPattern().IsMatch(value))
        {
            reason = $"'{value}' is not a valid repository name (lower-case letters, digits and . _ - separated by /)";
            return false;
        }

        reference = new ImageReference(registry, value, tag, digest);
        reason = string.Empty;
        return true;
    }

    public ImageReference WithDigest(Digest digest) => this with { Digest = digest };

    public override string ToString()
        => $"{Registry}/{Repository}{(Tag is null ? string.Empty : ":" + Tag)}{(Digest is null ? string.Empty : "@" + Digest)}";

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();
}

internal sealed class ImageReferenceException(string text, string reason)
    : MultiArchException(nameof(Strings.ImageReferenceInvalid), text, reason);
