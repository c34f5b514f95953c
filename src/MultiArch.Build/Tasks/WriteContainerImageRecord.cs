using Microsoft.Build.Framework;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Publishing;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Tasks;

public sealed partial class WriteContainerImageRecord : MultiArchTask
{
    protected override async System.Threading.Tasks.Task ExecuteCoreAsync(CancellationToken cancellationToken)
    {
        if (TaskInputs.Text(Image) is null)
        {
            if (PushByDigestOnly)
            {
                LogDiagnostic(Diagnostic.Warning(nameof(Strings.PushByDigestOnlyWithoutPush), TaskInputs.Text(Output) ?? "none"));
            }

            return;
        }

        var reference = ImageReference.Parse(Image);
        if (reference.Digest is not { } digest)
        {
            throw new ImageReferenceException(Image, "a record names the image by its digest (registry/repo@sha256:...)");
        }

        // The build's session holds the root it pushed (or validated): the record says what the registry holds, without another request.
        var root = await RegistrySession(TaskInputs.RegistryOptions(InsecureRegistries, RegistryTimeout)).ClientFor(reference.Registry).GetManifestAsync(reference.Repository, digest.ToString(), cancellationToken);
        var source = ValidatedPlatforms.Length > 0 ? ValidatedPlatforms : Platforms;
        var record = new ImageRecord(
            reference.Registry,
            reference.Repository,
            digest,
            root.MediaType,
            source.Select(p => new ImageRecordPlatform(p.ItemSpec, p.GetMetadata("ManifestDigest"), TaskInputs.Text(p.GetMetadata("Binary")))).ToList(),
            Validated ? ImageRecord.VerdictPassed : ImageRecord.VerdictNotValidated,
            Validated ? TaskInputs.Text(ValidationReport) : null,
            Tags.Select(t => t.ItemSpec).Distinct(StringComparer.Ordinal).ToList());

        var path = Path.GetFullPath(RecordPath);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, record.ToJson());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDiagnostic(Diagnostic.Error(nameof(Strings.ImageRecordWriteFailed), path, ex.Message));
            return;
        }

        Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.ImageRecordWritten), path, record.Image, record.Verdict);
        if (PushByDigestOnly)
        {
            Log.LogMessageFromResources(MessageImportance.High, nameof(Strings.PushedByDigestOnly), record.Image, record.Verdict);
        }
    }
}
