using System.Globalization;
using MultiArch.Build.Oci;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Building;

/// <summary>
/// The two effects the decision may need, each asked at most once per thing: the digest an OCI archive holds (read
/// from its index), and the digest a tag or digest names in the build's repository now (one HEAD; null: absent).
/// </summary>
internal sealed record BuildResultProbe(
    Func<string, CancellationToken, Task<Digest>> ArchiveDigest,
    Func<string, CancellationToken, Task<Digest?>> Resolve);

/// <summary>
/// The decision: <see cref="Result"/> when the last build's image is still good (why not in <see cref="Reason"/>
/// otherwise); for a push, the tags that already name it and those that must be moved to it after validation.
/// </summary>
internal sealed record UpToDateDecision(StampResult? Result, string Reason, IReadOnlyList<string> TagsInPlace, IReadOnlyList<string> TagsToMove)
{
    public bool UpToDate => Result is not null;
}

/// <summary>
/// Whether a build can be skipped, decided before any tool runs: this build's inputs (a <see cref="BuildStamp"/>
/// described from the project, with the CLI and builder the last build used when the user asks for them the same way)
/// against the last build's stamp, then whether its result is still where the stamp says. What that costs:
/// an archive whose size and time are those the stamp recorded is not read (as the stamp's own file hashes); a pushed
/// image costs one HEAD per tag (a tag can move under us, and tags are what users pull), and one HEAD of the digest
/// only when no tag names it (nothing on this machine can prove a registry still holds a digest). No process.
/// </summary>
internal static class BuildUpToDate
{
    /// <summary>The environment variables the preflight's choice of CLI and builder depends on.</summary>
    public static readonly IReadOnlyList<string> SelectionVariables = ["BUILDX_BUILDER", "DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINER_HOST", "CONTAINER_CONNECTION"];

    /// <summary>
    /// What the user asks of the preflight (<c>ContainerCli</c>, <c>ContainerBuilder</c>, <c>ContainerCreateBuilder</c>
    /// and the variables docker, buildx and podman read to find their daemon and builder): stamp inputs, so that a
    /// change of any of them rebuilds, and equal ones let the last build's choice stand without asking a tool.
    /// </summary>
    public static IReadOnlyList<StampInput> Selection(string? cli, string? builder, bool createBuilder, Func<string, string?> environment)
    {
        var inputs = new List<StampInput>
        {
            new("tool ContainerCli", (cli ?? string.Empty).Trim().ToLowerInvariant()),
            new("tool ContainerBuilder", (builder ?? string.Empty).Trim()),
            new("tool ContainerCreateBuilder", createBuilder ? "true" : "false"),
        };
        inputs.AddRange(SelectionVariables.Select(v => new StampInput("tool env " + v, environment(v) ?? string.Empty)));
        return inputs;
    }

    /// <summary>The CLI and builder the last build used (its preflight's choice), or null when it recorded none.</summary>
    public static (ContainerCliKind Cli, string? Builder)? Stamped(BuildStamp? previous)
    {
        var cli = previous?.Inputs.FirstOrDefault(i => i.Key == "cli")?.Value;
        if (cli is not ("docker" or "podman"))
        {
            return null;
        }

        var builder = previous!.Inputs.FirstOrDefault(i => i.Key == "builder")?.Value;
        return (cli == "podman" ? ContainerCliKind.Podman : ContainerCliKind.Docker, string.IsNullOrEmpty(builder) ? null : builder);
    }

    /// <summary>An archive's size and modification time: unchanged, it still holds what the stamp says (git's index trusts the same).</summary>
    public static string? ArchiveFingerprint(string? path)
    {
        var file = path is null ? null : new FileInfo(path);
        return file is { Exists: true }
            ? $"{file.Length.ToString(CultureInfo.InvariantCulture)},{file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}"
            : null;
    }

    /// <summary>
    /// Compares <paramref name="now"/> with <paramref name="previous"/> and, when every input is equal, looks for the
    /// result: <paramref name="tags"/> (short names) are the tags a push points at the image.
    /// </summary>
    public static async Task<UpToDateDecision> DecideAsync(BuildStamp now, BuildStamp? previous, BuildRequest request, IReadOnlyList<string> tags, BuildResultProbe probe, CancellationToken cancellationToken)
    {
        if (previous is null)
        {
            return NotUpToDate(Strings.StampNoEarlierBuild);
        }

        if (now.Difference(previous) is { } changed)
        {
            return NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampInputsChanged, changed));
        }

        if (previous.Result is not { } result || !Digest.TryParse(result.Digest, out var stamped))
        {
            return NotUpToDate(Strings.StampNoResult);
        }

        switch (request.Output)
        {
            case BuildOutputKind.Archive:
                return await ArchiveAsync(result, stamped.Value, request.ArchivePath!, probe, cancellationToken).ConfigureAwait(false);
            case BuildOutputKind.Push:
                var inPlace = new List<string>();
                var toMove = new List<string>();
                foreach (var tag in tags.Distinct(StringComparer.Ordinal))
                {
                    (await probe.Resolve(tag, cancellationToken).ConfigureAwait(false) == stamped ? inPlace : toMove).Add(tag);
                }

                // A tag that names the digest proves the registry holds it; without one, the digest itself is asked.
                if (inPlace.Count == 0 && await probe.Resolve(stamped.Value.ToString(), cancellationToken).ConfigureAwait(false) is null)
                {
                    return NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampDigestGone, $"{request.Repository}@{stamped}"));
                }

                return new UpToDateDecision(result, string.Empty, inPlace, toMove);
            default:
                return NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampLoadNotTracked, result.Image));
        }
    }

    private static async Task<UpToDateDecision> ArchiveAsync(StampResult result, Digest stamped, string archive, BuildResultProbe probe, CancellationToken cancellationToken)
    {
        var fingerprint = ArchiveFingerprint(archive);
        if (fingerprint is null)
        {
            return NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveMissing, archive));
        }

        if (fingerprint == result.ArchiveFile)
        {
            return new UpToDateDecision(result, string.Empty, [], []);
        }

        try
        {
            // Touched or copied: what it holds decides.
            var found = await probe.ArchiveDigest(archive, cancellationToken).ConfigureAwait(false);
            return found == stamped
                ? new UpToDateDecision(result with { ArchiveFile = fingerprint }, string.Empty, [], [])
                : NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveChanged, archive, found, stamped));
        }
        catch (Diagnostics.MultiArchException ex)
        {
            // An archive that cannot be read is rebuilt, not reported: the build writes it afresh.
            return NotUpToDate(string.Format(CultureInfo.CurrentCulture, Strings.StampArchiveChanged, archive, ex.Message, stamped));
        }
    }

    private static UpToDateDecision NotUpToDate(string reason) => new(null, reason, [], []);
}
