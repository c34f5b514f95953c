using System.Text.Json;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Building;

/// <summary>What <c>buildx build --metadata-file</c> writes: the pushed digest and image name(s).</summary>
internal sealed record BuildMetadata(Digest? Digest, string? MediaType, IReadOnlyList<string> ImageNames, string? BuildRef)
{
    public static BuildMetadata Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ManifestFormatException("the metadata file is not a JSON object");
            }

            string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var digest = Oci.Digest.TryParse(Str("containerimage.digest"), out var parsed) ? parsed : null;
            string? mediaType = null;
            if (root.TryGetProperty("containerimage.descriptor", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("mediaType", out var mt))
            {
                mediaType = mt.GetString();
            }

            var names = (Str("image.name") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new BuildMetadata(digest, mediaType, names, Str("buildx.build.ref"));
        }
        catch (JsonException ex)
        {
            throw new ManifestFormatException($"the buildx metadata file is not valid JSON ({ex.Message})");
        }
    }
}
