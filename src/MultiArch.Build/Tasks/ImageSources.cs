using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tasks;

/// <summary>Opens what a user names as an image: an OCI layout directory or archive on disk, else a registry reference read through the build's session.</summary>
internal static class ImageSources
{
    public static IImageSource Open(string image, RegistrySession session)
    {
        var path = image.StartsWith("oci:", StringComparison.Ordinal) ? image[4..] : image;
        if (File.Exists(path) || Directory.Exists(path) || image.StartsWith("oci:", StringComparison.Ordinal))
        {
            return OciLayoutSource.Open(Path.GetFullPath(path));
        }

        var reference = ImageReference.Parse(image);
        return new RegistryImageSource(session.ClientFor(reference.Registry), reference);
    }
}
