using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Platforms;

/// <summary>A platform string that is not <c>os/architecture[/variant]</c> with known values.</summary>
internal sealed class PlatformFormatException(string text, string reason)
    : MultiArchException(nameof(Strings.PlatformMalformed), text, reason)
{
    public string Text { get; } = text;

    public string Reason { get; } = reason;
}
