using MultiArch.Build.Building;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

/// <summary>The merge of a multi-node build refused its parts (MULTIARCH3053); <see cref="Diagnostics"/> says why. Nothing was pushed or tagged.</summary>
internal sealed class MultiNodeMergeRefusedException(string builder, IReadOnlyList<Diagnostic> diagnostics)
    : MultiArchException(nameof(Strings.MultiNodeMergeRefused), builder)
{
    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;
}

/// <summary>
/// A plan over several nodes of a buildx builder. buildx would merge the nodes' images itself and push that index
/// under <c>:latest</c> before anything is validated. So each node's platforms are built by a <c>buildx build</c> of
/// their own (all at once: the nodes are separate machines), each pushed by digest (one node: buildx honours
/// push-by-digest), and the parts are merged into one index through the registry (<see cref="ImageMerger"/>:
/// attestation manifests carried), pushed by digest too. Index annotations go on the merged index (BuildKit
/// refuses them on a one-platform export). One run failing stops the others; nothing is tagged here, ever.
/// </summary>
/// <remarks>
/// In Publishing, not Building: it composes a build tool (Building, layer 4) with the merge and the registry
/// client (Publishing and Registry), and a layer-4 namespace may use neither Registry beside it nor Publishing above it.
/// </remarks>
internal sealed class MultiNodeBuild(IImageBuildTool buildx, Func<string, RegistryClient> clientFor)
{
    /// <summary>The output callback of each node's run (its lines, in any thread).</summary>
    public Func<NodeInvocation, Action<ProcessLine>> OutputOf { get; init; } = _ => _ => { };

    /// <summary>Called (in any thread) when a node's part is pushed, with the part's reference by digest.</summary>
    public Action<NodeInvocation, string> PartPushed { get; init; } = (_, _) => { };

    /// <summary>Whether a build goes this way: buildx pushing by digest (tags after validation) on a plan of several runs.</summary>
    public static bool Applies(ContainerCliKind cli, BuildRequest request, IReadOnlyList<NodeInvocation> invocations)
        => cli == ContainerCliKind.Docker && request.Output == BuildOutputKind.Push && !request.TagAtBuild && invocations.Count > 1;

    /// <summary>Builds every node's part, merges them and pushes the index by digest; the merge's result.</summary>
    public async Task<MergeResult> BuildAsync(BuildRequest request, IReadOnlyList<NodeInvocation> invocations, CancellationToken cancellationToken)
    {
        var (indexAnnotations, otherAnnotations) = SplitIndexAnnotations(request.Annotations);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = invocations.Select(async (invocation, n) =>
        {
            var part = request.ForPlatforms(invocation.Platforms) with
            {
                Annotations = otherAnnotations,
                MetadataFile = Path.ChangeExtension(request.MetadataFile!, null) + $"-{n}.json",
            };
            try
            {
                var outcome = await buildx.BuildAsync(part, OutputOf(invocation), failed.Token).ConfigureAwait(false);
                PartPushed(invocation, $"{request.Repository}@{outcome.PushedDigest}");
                return outcome;
            }
            catch
            {
                // One node failed: the others' work is wasted, stop them.
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();

        BuildOutcome[] parts;
        try
        {
            parts = await Task.WhenAll(runs).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A cancelled sibling is not the cause: report the run that failed.
            throw runs.Select(r => r.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? throw new OperationCanceledException(cancellationToken);
        }

        var reference = ImageReference.Parse(request.Repository!);
        var merger = new ImageMerger(clientFor);
        var mergeParts = parts.Select((p, n) => new MergePart($"node {invocations[n].Node}", reference.WithDigest(p.PushedDigest!.Value), null)).ToList();
        var plan = await merger.PlanAsync(new MergeRequest { Parts = mergeParts, ExpectedPlatforms = request.Platforms, Registry = reference.Registry, Repository = reference.Repository, IndexAnnotations = indexAnnotations }, cancellationToken).ConfigureAwait(false);
        if (plan.Refused)
        {
            throw new MultiNodeMergeRefusedException(request.Builder ?? "(current)", plan.Diagnostics);
        }

        return await merger.PushAsync(plan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Splits <c>--annotation</c> values into those of the index (<c>index:key=value</c>, <c>index,manifest:...</c>)
    /// and the rest (still passed to each node: a type list without <c>index</c>, or none, which means manifest).
    /// </summary>
    internal static (IReadOnlyList<KeyValuePair<string, string>> Index, IReadOnlyList<string> Other) SplitIndexAnnotations(IReadOnlyList<string> annotations)
    {
        var index = new List<KeyValuePair<string, string>>();
        var other = new List<string>();
        foreach (var text in annotations)
        {
            var annotation = BuildAnnotation.Parse(text);
            if (!annotation.IsFor("index"))
            {
                other.Add(text);
                continue;
            }

            index.Add(new(annotation.Key, annotation.Value));
            var rest = annotation.Types.Where(t => t != "index").ToList();
            if (rest.Count > 0)
            {
                other.Add((annotation with { Types = rest }).ToString());
            }
        }

        return (index, other);
    }
}
