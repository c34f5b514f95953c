namespace MultiArch.Build.Building;

internal static class BuildOutputs
{
    public static BuildOutputKind Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "push" => BuildOutputKind.Push,
        "load" => BuildOutputKind.Load,
        _ => BuildOutputKind.Archive,
    };
}
