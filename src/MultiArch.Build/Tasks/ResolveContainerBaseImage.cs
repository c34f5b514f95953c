using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Oci;
using MultiArch.Build.Resources;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tasks;

public sealed partial class ResolveContainerBaseImage : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        var dockerfile = TaskInputs.FullPath("ContainerDockerfile", Dockerfile, required: true, file: true)!;
        DockerfileDocument document;
        try
        {
            document = DockerfileParser.Parse(File.ReadAllText(dockerfile), dockerfile).Document;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A Dockerfile that cannot be read is CheckDockerfile's to report, with its line.
            Log.LogMessage(MessageImportance.Low, ex.Message);
            return;
        }

        var options = new DockerfileCheckOptions
        {
            TargetPlatforms = TaskInputs.Platforms(Platforms),
            BuildTarget = TaskInputs.Text(BuildTarget),
            BuildArgs = BuildArgs.GroupBy(a => a.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal),
        };
        var session = RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout));
        session.DeclareDestination(TaskInputs.Registry(Registry)?.Host);

        // The generated Dockerfile's FROM may be pinned already (by the last publish): its base is read by the name given.
        IReadOnlyList<(string Image, int Line)> bases = Generated && TaskInputs.Text(BaseImage) is { } given
            ? [(given, 0)]
            : BaseImagePlatformCheck.BaseImages(document, options).Select(b => (b.Image, b.From.Line)).ToList();
        var resolved = new List<ITaskItem>();
        foreach (var (image, line) in bases)
        {
            if (!ImageReference.TryParse(image, out _, out _))
            {
                continue; // not a reference (an unresolved variable): CheckDockerfile and the build report it
            }

            var named = Generated ? Strings.BaseImageNamedByProperty : string.Format(System.Globalization.CultureInfo.CurrentCulture, Strings.BaseImageNamedByFrom, line);
            var fix = Generated ? Strings.BaseImageFixProperty : Strings.BaseImageFixFrom;
            Diagnostic At(Diagnostic d) => Generated ? d : d.At(dockerfile, line, 1);
            try
            {
                var (digest, offered) = await BaseImagePlatformCheck.OfferedPlatformsAsync(image, session.ClientFor, cancellationToken);
                var missing = options.TargetPlatforms.Where(t => !offered.Contains(t)).ToList();
                if (missing.Count > 0)
                {
                    LogDiagnostic(At(Diagnostic.Error(nameof(Strings.BaseImageLacksPlatformEarly), image, named, string.Join(", ", missing), offered.Count == 0 ? "none" : string.Join(", ", offered), fix)));
                    continue;
                }

                Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.BaseImageResolved), image, digest, string.Join(", ", options.TargetPlatforms));
                var pinned = (ImageReference.Parse(image) with { Tag = null, Digest = digest }).ToString();
                if (Generated)
                {
                    PinGeneratedDockerfile(dockerfile, image, pinned);
                }

                var item = new TaskItem(image);
                item.SetMetadata("Digest", digest.ToString());
                item.SetMetadata("Pinned", pinned);
                item.SetMetadata("Platforms", string.Join(",", offered));
                resolved.Add(item);
            }
            catch (Exception ex) when (ex is MultiArchException or ManifestFormatException)
            {
                Log.LogMessage(MessageImportance.Low, ex.ToString());
                LogDiagnostic(At(Diagnostic.Error(nameof(Strings.BaseImageUnreadable), image, named, ex.Message.TrimEnd('.'), fix)));
            }
        }

        BaseImages = resolved.ToArray();
    }

    /// <summary>
    /// The generated Dockerfile's FROM pinned to the digest just read: the build then uses exactly the base checked here
    /// (not whatever the tag names when the build tool resolves it), and nobody asks the registry for the tag again.
    /// </summary>
    private void PinGeneratedDockerfile(string dockerfile, string image, string pinned)
    {
        try
        {
            var text = File.ReadAllText(dockerfile);
            var pinnedText = DotnetDockerfile.PinBaseImage(text, image, pinned);
            if (pinnedText != text)
            {
                File.WriteAllText(dockerfile, pinnedText);
            }

            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.BaseImagePinned), dockerfile, pinned, image);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MultiArchException(nameof(Strings.PathInvalid), "ContainerDockerfile", dockerfile, ex.Message.TrimEnd('.'));
        }
    }
}
