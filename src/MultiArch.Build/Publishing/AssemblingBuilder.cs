using MultiArch.Build.Building;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Publishing;

/// <summary>
/// The third peer of the build tools (<see cref="IImageBuildTool"/>, next to buildx and podman): a copy-only image
/// assembled in process by <see cref="ImageAssembler"/>, pushed by digest, no CLI run. It lives here rather than in
/// Building/ because it speaks to registries (a layer below would have to). <paramref name="describe"/> turns the
/// request into what the assembler needs (the Dockerfile's steps, the base image, the platforms' folders).
/// </summary>
internal sealed class AssemblingBuilder(ImageAssembler assembler, Func<BuildRequest, AssemblyRequest> describe) : IImageBuildTool
{
    public ContainerCliKind Kind => ContainerCliKind.None;

    /// <summary>What the last build pushed (base digest, mounted and uploaded blobs), for the log.</summary>
    public AssemblyResult? Result { get; private set; }

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, Action<ProcessLine> onLine, CancellationToken cancellationToken)
    {
        if (request.Output != BuildOutputKind.Push || request.TagAtBuild)
        {
            // The targets never ask it (an archive or a load goes through a CLI): a caller's mistake, not a user's.
            throw new InvalidOperationException("in-process assembly pushes by digest only");
        }

        Result = await assembler.AssembleAsync(describe(request), cancellationToken).ConfigureAwait(false);
        return new BuildOutcome(BuildOutputKind.Push, null, Result.Digest);
    }
}
