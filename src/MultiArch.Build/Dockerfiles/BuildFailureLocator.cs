using System.Globalization;
using System.Text.RegularExpressions;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// The Dockerfile line a failed build names, read from the tool's output. Pure.
/// buildx prints the failing instruction's place (<c>Dockerfile:12</c> above the quoted lines); podman/buildah print
/// <c>[2/3] STEP 4/6: RUN ...</c> before each step (the stage prefix only with several stages), so the last STEP
/// line before the error is the failing instruction: stage 2, its 4th instruction (STEP 1 is the FROM).
/// </summary>
internal static partial class BuildFailureLocator
{
    [GeneratedRegex(@"^\s*(?<file>\S+):(?<line>\d+)\s*$")]
    private static partial Regex FileLine();

    [GeneratedRegex(@"^(?:\[(?<stage>\d+)/(?<stages>\d+)\]\s+)?STEP\s+(?<step>\d+)/(?<steps>\d+):\s")]
    private static partial Regex PodmanStep();

    public static int? LineOfFailure(DockerfileDocument document, string dockerfileName, IEnumerable<string> output)
    {
        int? buildx = null;
        (int Stage, int Step)? podman = null;
        foreach (var line in output)
        {
            if (FileLine().Match(line) is { Success: true } place
                && Path.GetFileName(place.Groups["file"].Value).Equals(dockerfileName, StringComparison.Ordinal)
                && int.TryParse(place.Groups["line"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                buildx = number;
            }
            else if (PodmanStep().Match(line) is { Success: true } step)
            {
                var stage = step.Groups["stage"].Success ? int.Parse(step.Groups["stage"].Value, CultureInfo.InvariantCulture) : 1;
                podman = (stage, int.Parse(step.Groups["step"].Value, CultureInfo.InvariantCulture));
            }
        }

        if (buildx is { } found)
        {
            return found;
        }

        if (podman is not { } at || at.Stage < 1 || at.Stage > document.Stages.Count)
        {
            return null;
        }

        var stageOf = document.Stages[at.Stage - 1];
        return at.Step == 1 ? stageOf.From.Line
            : at.Step - 2 < stageOf.Instructions.Count ? stageOf.Instructions[at.Step - 2].Line
            : null;
    }
}
