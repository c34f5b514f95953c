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

    public const string ImageStagePinnedToBuildPlatform = "MULTIARCH2001";
    public const string ImageStagePinnedToConstantPlatform = "MULTIARCH2002";
    public const string BuildPlatformStageCompilesForBuildMachine = "MULTIARCH2003";
    public const string AutomaticArgNotDeclared = "MULTIARCH2004";
    public const string AutomaticArgHasDefault = "MULTIARCH2005";
    public const string HardCodedArchitecture = "MULTIARCH2006";
    public const string EmulatedRunSteps = "MULTIARCH2007";
    public const string DotnetUnderEmulation = "MULTIARCH2008";
    public const string BaseImageLacksPlatform = "MULTIARCH2009";
    public const string DockerfileNotFound = "MULTIARCH2010";
    public const string DockerfileUnreadable = "MULTIARCH2011";
    public const string DockerfileSyntax = "MULTIARCH2012";
    public const string DockerfileBuildTargetUnknown = "MULTIARCH2013";
    public const string DockerfileCheckSeverityInvalid = "MULTIARCH2014";
    public const string BaseImageCheckFailed = "MULTIARCH2015";

    public const string ToolNotFound = "MULTIARCH3001";
    public const string BuildxMissing = "MULTIARCH3002";
    public const string BuildxTooOld = "MULTIARCH3003";
    public const string DaemonUnreachable = "MULTIARCH3004";
    public const string NoContainerCli = "MULTIARCH3005";
    public const string BuilderUnavailable = "MULTIARCH3006";
    public const string DockerDriverMultiPlatform = "MULTIARCH3007";
    public const string PlatformNotBuildable = "MULTIARCH3008";
    public const string MultiPlatformLoad = "MULTIARCH3009";
    public const string BuilderCreateFailed = "MULTIARCH3010";
    public const string ContainerCliUnknown = "MULTIARCH3011";
    public const string BuildFailed = "MULTIARCH3012";
    public const string BuildMetadataMissing = "MULTIARCH3013";

    public const string RegistryAuthRequired = "MULTIARCH4001";
    public const string RegistryCredentialsRejected = "MULTIARCH4002";
    public const string RegistryForbidden = "MULTIARCH4003";
    public const string ContentDigestMismatch = "MULTIARCH4004";
    public const string ContentTooLarge = "MULTIARCH4005";
    public const string ManifestInvalid = "MULTIARCH4006";
    public const string RegistryNotFound = "MULTIARCH4007";
    public const string RegistryUnreachable = "MULTIARCH4008";
    public const string RegistryUnavailable = "MULTIARCH4009";
    public const string RegistryProtocolError = "MULTIARCH4010";
    public const string CredentialHelperFailed = "MULTIARCH4011";
    public const string ImageReferenceInvalid = "MULTIARCH4012";
    public const string OciLayoutInvalid = "MULTIARCH4013";

    public const string ValidationPlatformMissing = "MULTIARCH5001";
    public const string ValidationPlatformUnexpected = "MULTIARCH5002";
    public const string ValidationPlatformDuplicate = "MULTIARCH5003";
    public const string ValidationAttestationOrphan = "MULTIARCH5004";
    public const string ValidationConfigMismatch = "MULTIARCH5005";
    public const string ValidationIdenticalLayers = "MULTIARCH5006";
    public const string ValidationBinaryMismatch = "MULTIARCH5007";
    public const string ValidationBinaryUndetermined = "MULTIARCH5008";
    public const string ValidationNotAnIndex = "MULTIARCH5009";
    public const string ValidationIdenticalLayersNeutral = "MULTIARCH5010";
    public const string ValidationEntryPlatformInvalid = "MULTIARCH5011";
    public const string ValidationReportWriteFailed = "MULTIARCH5012";
    public const string ValidationImageRequired = "MULTIARCH5013";

    public const string TaskUnexpectedError = "MULTIARCH9001";
    public const string TaskCanceled = "MULTIARCH9002";
}
