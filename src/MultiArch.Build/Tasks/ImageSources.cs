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
        if (File.Exists(path) || Directory.Exists(path))
        {
            return OciLayoutSource.Open(Path.GetFullPath(path));
        }

        if (image.StartsWith("oci:", StringComparison.Ordinal) || WhyAPath(path) is not null)
        {
            throw new Diagnostics.MultiArchException(nameof(Resources.Strings.ImagePathMissing), image, image.StartsWith("oci:", StringComparison.Ordinal) ? "it starts with oci:" : WhyAPath(path), SafeFullPath(path));
        }

        var reference = ImageReference.Parse(image);
        return new RegistryImageSource(session.ClientFor(reference.Registry), reference);
    }

    /// <summary>
    /// Why a value that is not on disk is still meant as a path, or null when it reads as a registry reference:
    /// it starts like a path (/, ./, ../, ~), has a backslash, ends in .tar (.tar.gz, .tgz), or has a '/' whose
    /// first part names no registry host and carries no tag or digest (<c>out/image</c>). A reference names its
    /// registry (<c>host/repo</c>) or is a Docker Hub name with a tag (<c>org/app:1.0</c>).
    /// </summary>
    public static string? WhyAPath(string value)
    {
        if (value is "." or ".." || value.StartsWith('/') || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal) || value.StartsWith('~'))
        {
            return "it starts like a path";
        }

        if (value.Contains('\\'))
        {
            return "it has a backslash";
        }

        if (value.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
        {
            return "it ends in a tar archive's extension";
        }

        var slash = value.IndexOf('/');
        if (slash > 0)
        {
            var first = value[..slash];
            var namesRegistry = first.Contains('.') || first.Contains(':') || first == "localhost";
            var lastPart = value[(value.LastIndexOf('/') + 1)..];
            if (!namesRegistry && !lastPart.Contains(':') && !value.Contains('@'))
            {
                return $"it has a '/' and '{first}' is no registry host";
            }
        }

        return null;
    }

    private static string SafeFullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return path;
        }
    }
}
