using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MultiArch.Build.Oci;

/// <summary>An OCI content digest (<c>sha256:hex</c> or <c>sha512:hex</c>), validated.</summary>
internal readonly partial record struct Digest(string Algorithm, string Hex)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out Digest? digest)
    {
        digest = null;
        if (text is null)
        {
            return false;
        }

        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        var algorithm = m.Groups[1].Value;
        var hex = m.Groups[2].Value;
        if ((algorithm == "sha256" && hex.Length != 64) || (algorithm == "sha512" && hex.Length != 128))
        {
            return false;
        }

        digest = new Digest(algorithm, hex);
        return true;
    }

    public static Digest Compute(ReadOnlySpan<byte> content) => new("sha256", Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant());

    public IncrementalHash CreateHash() => IncrementalHash.CreateHash(Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    public bool Matches(ReadOnlySpan<byte> content)
    {
        using var hash = CreateHash();
        hash.AppendData(content);
        return string.Equals(Convert.ToHexString(hash.GetHashAndReset()), Hex, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The first 12 hex characters, for messages.</summary>
    public string Short => Hex[..12];

    public override string ToString() => $"{Algorithm}:{Hex}";

    [GeneratedRegex("^(sha256|sha512):([a-f0-9]+)$")]
    private static partial Regex Pattern();
}
