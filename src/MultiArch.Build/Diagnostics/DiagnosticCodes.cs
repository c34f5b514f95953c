namespace MultiArch.Build.Diagnostics;

/// <summary>
/// Every diagnostic code, named like its resource string in Resources/Strings.resx (a unit test keeps
/// the two in step and the codes unique). Ranges: 1xxx platforms and RIDs; 2xxx Dockerfile checks;
/// 3xxx CLI, builder and build; 4xxx registry and image reading; 5xxx validation; 9xxx task infrastructure.
/// </summary>
public static class DiagnosticCodes
{
    public const string PlatformMalformed = "MULTIARCH1001";
    public const string RuntimeIdentifierUnknown = "MULTIARCH1002";
    public const string PlatformDuplicate = "MULTIARCH1003";
    public const string PlatformRuntimeIdentifierConflict = "MULTIARCH1004";
    public const string PlatformListEmpty = "MULTIARCH1005";

    public const string ToolNotFound = "MULTIARCH3001";

    public const string TaskUnexpectedError = "MULTIARCH9001";
    public const string TaskCanceled = "MULTIARCH9002";
}
