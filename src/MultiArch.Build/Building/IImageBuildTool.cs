using MultiArch.Build.Oci;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Building;

/// <summary>
/// Where a build left the image: pushed by buildx (its index digest, from the metadata file), an OCI archive
/// on disk (every podman build, and buildx without a registry), or the local engine. Describing and pushing
/// it is Publishing's work.
/// </summary>
internal sealed record BuildOutcome(BuildOutputKind Output, string? ArchivePath, Digest? PushedDigest);

/// <summary>
/// A tool that turns one <see cref="BuildRequest"/> into a multi-platform image and nothing else: <c>docker buildx
/// build</c> (<see cref="BuildxBuilder"/>) or <c>podman build --manifest</c> (<see cref="PodmanBuilder"/>). The two
/// are peers over the same request, stamp (<see cref="BuildStamp"/>) and context (<see cref="BuildContextFiles"/>)
/// model; what differs (argument lists, where the result lands, clean-up) stays inside each. Output lines stream to
/// the callback; secrets never appear in them.
/// </summary>
internal interface IImageBuildTool
{
    ContainerCliKind Kind { get; }

    Task<BuildOutcome> BuildAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken);
}

/// <summary>The build tool of a CLI, and the one way both run their build processes.</summary>
internal static class ImageBuildTools
{
    public static IImageBuildTool For(ContainerCliKind cli, IProcessRunner processes)
        => cli == ContainerCliKind.Podman ? new PodmanBuilder(processes) : new BuildxBuilder(processes);

    /// <summary>
    /// Runs one build process: its command line first (redacted), then its output, line by line; a failure is a
    /// <see cref="BuildFailedException"/> (MULTIARCH3012) that carries what the tool printed.
    /// </summary>
    public static async Task RunAsync(IProcessRunner processes, string file, IReadOnlyList<string> args, BuildRequest request, Action<ProcessLine> onLine, string what, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var spec = new ProcessSpec(file, args) { Secrets = request.SensitiveValues, WorkingDirectory = request.Context, Environment = environment ?? new Dictionary<string, string?>() };
        onLine(new ProcessLine(ProcessStream.StandardOutput, spec.ToDisplayString()));
        var result = await processes.RunAsync(spec, onLine, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var output = (result.StandardOutput + "\n" + result.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            throw new BuildFailedException(what, result.ExitCode, result.Tail(12), output);
        }
    }
}
