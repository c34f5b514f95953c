using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Buildx;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class BuildContainerImage : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var cli = Cli.Trim().Equals("podman", StringComparison.OrdinalIgnoreCase) ? ContainerCliKind.Podman : ContainerCliKind.Docker;
        var output = !string.IsNullOrWhiteSpace(Registry) ? BuildOutputKind.Push : Load ? BuildOutputKind.Load : BuildOutputKind.Archive;
        var repository = string.IsNullOrWhiteSpace(Registry) ? Repository.Trim() : $"{Registry.Trim().TrimEnd('/')}/{Repository.Trim()}";

        // The repository and every tag must form valid references before anything runs.
        var tags = ContainerPlatformResolver.Split(Tags).Distinct(StringComparer.Ordinal).ToList();
        foreach (var tag in tags.DefaultIfEmpty("latest"))
        {
            ImageReference.Parse($"{repository}:{tag}");
        }

        var platforms = Platforms.Select(p => OciPlatform.Parse(p.ItemSpec)).ToList();
        var request = new BuildRequest
        {
            Platforms = platforms,
            Dockerfile = Dockerfile,
            Context = Context,
            Target = string.IsNullOrWhiteSpace(Target) ? null : Target.Trim(),
            Builder = string.IsNullOrWhiteSpace(Builder) ? null : Builder.Trim(),
            BuildArgs = BuildArgs.Select(a => new KeyValuePair<string, string>(a.ItemSpec, a.GetMetadata("Value"))).ToList(),
            Labels = BuildCommands.StandardLabels(ImageVersion, SourceUrl, Revision, DateTimeOffset.UtcNow, Title, Description)
                .Concat(Labels.Select(l => new KeyValuePair<string, string>(l.ItemSpec, l.GetMetadata("Value"))))
                .ToList(),
            Annotations = Annotations.Select(a => $"{a.ItemSpec}={a.GetMetadata("Value")}").ToList(),
            // Cache specs contain commas (type=registry,ref=...): the list separator here is ';' only.
            CacheFrom = CacheFrom.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            CacheTo = CacheTo.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Provenance = Switch(Provenance),
            Sbom = Switch(Sbom),
            Secrets = Secrets.Select(s => new BuildSecret(s.ItemSpec, NullIfEmpty(s.GetMetadata("Source")), NullIfEmpty(s.GetMetadata("Environment")))).ToList(),
            Output = output,
            Repository = repository,
            Tags = tags.Select(t => $"{repository}:{t}").ToList(),
            TagAtBuild = !ValidateBeforeTag && cli == ContainerCliKind.Docker,
            ArchivePath = output == BuildOutputKind.Archive || cli == ContainerCliKind.Podman
                ? (string.IsNullOrWhiteSpace(ArchiveOutputPath) ? Path.Combine(IntermediateDirectory, "image.tar") : ArchiveOutputPath)
                : null,
            MetadataFile = Path.Combine(IntermediateDirectory, "buildx-metadata.json"),
            InsecureRegistries = ContainerPlatformResolver.Split(InsecureRegistries).ToList(),
        };
        Directory.CreateDirectory(IntermediateDirectory);

        var registryOptions = new RegistryOptions { InsecureRegistries = request.InsecureRegistries };
        var builder = new ImageBuilder(ProcessRunner.Instance, registryOptions);
        var outcome = await builder.BuildAsync(
            cli,
            request,
            line => Log.LogMessage(MessageImportance.Normal, line.Text),
            pushed => Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.DigestPushed), pushed),
            cancellationToken).ConfigureAwait(false);

        Image = outcome.Image;
        IndexDigest = outcome.Digest?.ToString() ?? string.Empty;
        BuiltPlatforms = outcome.Platforms.Select(p =>
        {
            var item = new TaskItem(p.Platform);
            item.SetMetadata("ManifestDigest", p.ManifestDigest);
            return (ITaskItem)item;
        }).ToArray();
        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageBuilt), outcome.Image.Length > 0 ? outcome.Image : repository, string.Join(", ", platforms));

        if (output == BuildOutputKind.Push && outcome.Digest is { } digest)
        {
            if (request.TagAtBuild)
            {
                foreach (var tag in request.Tags)
                {
                    Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.TagPushed), repository, tag[(repository.Length + 1)..], digest);
                }
            }
            else
            {
                if (cli == ContainerCliKind.Docker)
                {
                    Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.DigestPushed), outcome.Image);
                }

                PendingTags = tags.DefaultIfEmpty("latest").Select(t => (ITaskItem)new TaskItem(t)).ToArray();
            }
        }
    }

    private static bool? Switch(string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => null,
    };

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
