namespace MultiArch.Build.Oci;

/// <summary>
/// A repository name derived from a project name, the way the .NET SDK derives its <c>ContainerRepository</c>
/// default from <c>$(AssemblyName)</c> (ContainerHelpers.NormalizeRepository): a name that is already valid is
/// kept as it is; otherwise upper-case letters are lowered and every character other than a lower-case
/// letter, a digit, <c>_</c>, <c>-</c> or <c>/</c> becomes <c>-</c>. So the SDK's <c>PublishContainer</c> and
/// MultiArch.Build name the image of one project alike.
/// </summary>
internal static class RepositoryName
{
    /// <summary>The normalized name, or null when nothing usable is left (it must start with a letter or digit).</summary>
    public static string? FromProjectName(string name)
    {
        var value = name.Trim();
        if (value.Length == 0)
        {
            return null;
        }

        if (ImageReference.TryParse($"multiarch.invalid/{value}", out var parsed, out _) && parsed.Repository == value && parsed.Tag is null && parsed.Digest is null)
        {
            return value;
        }

        if (!char.IsAsciiLetterOrDigit(value[0]))
        {
            return null;
        }

        var normalized = new string(value.Select(c => c switch
        {
            >= 'A' and <= 'Z' => char.ToLowerInvariant(c),
            >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or '/' => c,
            _ => '-',
        }).ToArray());
        return ImageReference.TryParse($"multiarch.invalid/{normalized}", out _, out _) ? normalized : null;
    }
}
