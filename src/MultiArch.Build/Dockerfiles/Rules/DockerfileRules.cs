namespace MultiArch.Build.Dockerfiles;

/// <summary>Every Dockerfile rule, in the order they run (a rule may read the findings of those before it).</summary>
internal static class DockerfileRules
{
    public static IReadOnlyList<DockerfileRule> All { get; } =
    [
        new DuplicateStageNameRule(),
        new FromVariableUndefinedRule(),
        new ImageStagePinnedToBuildPlatformRule(),
        new ImageStagePinnedToConstantPlatformRule(),
        new BuildPlatformStageCompilesForBuildMachineRule(),
        new AutomaticArgHasDefaultRule(),
        new AutomaticArgNotDeclaredRule(),
        new HardCodedArchitectureRule(),
        new ArchitectureLiteralInDownloadRule(),
        new BuildPlatformToolCopiedIntoImageRule(),
        new AssignmentNeverReachesCommandRule(),
        new PackageManagerArchitectureFlagRule(),
        new EmulatedRunStepsRule(),
        new DotnetUnderEmulationRule(),
    ];

    /// <summary>The rule with this code, or null.</summary>
    public static DockerfileRule? ByCode(string code) => All.FirstOrDefault(r => r.Code == code);
}
