using Microsoft.Build.Framework;
using MultiArch.Build.Platforms;
using MultiArch.Build.Registry;
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

        var options = new RegistryOptions { InsecureRegistries = ContainerPlatformResolver.Split(InsecureRegistries).ToList() };
        using var client = new RegistryClient(reference.Registry, options: options, log: line => Log.LogMessage(MessageImportance.Low, line));
        var tags = Tags.Select(t => t.ItemSpec).ToList();
        await new ImagePublisher(client, reference.Repository).TagAsync(digest, tags, cancellationToken).ConfigureAwait(false);
        foreach (var tag in tags)
        {
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPushed), $"{reference.Registry}/{reference.Repository}", tag, digest);
        }
    }
}
