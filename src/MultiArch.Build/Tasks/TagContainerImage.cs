using Microsoft.Build.Framework;
using MultiArch.Build.Oci;
using MultiArch.Build.Publishing;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class TagContainerImage : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        if (Tags.Length == 0)
        {
            return;
        }

        var reference = ImageReference.Parse(Image);
        if (reference.Digest is not { } digest)
        {
            throw new ImageReferenceException(Image, "tags are pointed at an image by its digest (registry/repo@sha256:...)");
        }

        // The build's session already holds the index it pushed: tagging sends it again under each tag, nothing more.
        var session = RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout));
        session.DeclareDestination(reference.Registry);
        var client = session.ClientFor(reference.Registry);
        var tags = Tags.Select(t => t.ItemSpec).ToList();
        var moved = await new ImagePublisher(client, reference.Repository).TagAsync(digest, tags, cancellationToken);
        foreach (var tag in tags)
        {
            // A tag that already named this digest was not pushed again: say so, never "Pushed".
            Log.LogMessageFromResources(MessageImportance.High, moved.Contains(tag) ? nameof(Strings.TagPushed) : nameof(Strings.TagUpToDate), $"{reference.Registry}/{reference.Repository}", tag, digest);
        }
    }
}
