using MultiArch.Build.Registry;

namespace MultiArch.Build.Images;

/// <summary>Opens what a user names as an image: an OCI layout directory or archive on disk, else a registry reference.</summary>
public static class ImageSources
{
    public static IImageSource Open(string image, RegistryOptions registryOptions, ICredentialProvider? credentials = null, Action<string>? log = null)
    {
        var path = image.StartsWith("oci:", StringComparison.Ordinal) ? image[4..] : image;
        if (File.Exists(path) || Directory.Exists(path) || image.StartsWith("oci:", StringComparison.Ordinal))
        {
            return OciLayoutSource.Open(Path.GetFullPath(path));
        }

        var reference = ImageReference.Parse(image);
        var client = new RegistryClient(reference.Registry, credentials, registryOptions, log: log);
        return new RegistryImageSource(client, reference, ownsClient: true);
    }
}
