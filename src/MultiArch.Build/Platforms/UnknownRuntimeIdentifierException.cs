using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Platforms;

/// <summary>A RuntimeIdentifier with no container platform in <see cref="RuntimeIdentifierMap"/>.</summary>
internal sealed class UnknownRuntimeIdentifierException(string runtimeIdentifier, string hint)
    : MultiArchException(nameof(Strings.RuntimeIdentifierUnknown), runtimeIdentifier, hint)
{
    public string RuntimeIdentifier { get; } = runtimeIdentifier;
}
