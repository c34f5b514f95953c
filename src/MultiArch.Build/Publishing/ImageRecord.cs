using System.Text.Json;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Oci;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Publishing;

/// <summary>One platform of a recorded image: its manifest's digest and what the deep check said of its binary.</summary>
internal sealed record ImageRecordPlatform(string Platform, string Digest, string? Binary);

/// <summary>
/// What a push leaves behind for the jobs after it (docs/image-record.md): which image was pushed, by digest, with
/// which platforms, and whether it was validated. A fan-out job writes one; the merge reads them. Nothing in it
/// depends on the clock, so equal pushes give equal records.
/// </summary>
internal sealed record ImageRecord(
    string Registry,
    string Repository,
    Digest Digest,
    string? MediaType,
    IReadOnlyList<ImageRecordPlatform> Platforms,
    string Verdict,
    string? ValidationReport,
    IReadOnlyList<string> Tags)
{
    public const string RecordMediaType = "application/vnd.multiarch-build.image-record.v1+json";

    public const string VerdictPassed = "passed";

    public const string VerdictNotValidated = "not-validated";

    /// <summary><c>registry/repository@sha256:...</c>.</summary>
    public string Image => $"{Registry}/{Repository}@{Digest}";

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 1);
            json.WriteString("mediaType", RecordMediaType);
            json.WriteString("image", Image);
            json.WriteString("registry", Registry);
            json.WriteString("repository", Repository);
            json.WriteString("digest", Digest.ToString());
            if (MediaType is not null)
            {
                json.WriteString("manifestMediaType", MediaType);
            }

            json.WriteStartArray("platforms");
            foreach (var platform in Platforms)
            {
                json.WriteStartObject();
                json.WriteString("platform", platform.Platform);
                json.WriteString("digest", platform.Digest);
                if (platform.Binary is not null)
                {
                    json.WriteString("binary", platform.Binary);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("validation");
            json.WriteString("verdict", Verdict);
            if (ValidationReport is not null)
            {
                json.WriteString("report", ValidationReport);
            }

            json.WriteEndObject();
            json.WriteStartArray("tags");
            foreach (var tag in Tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a record file strictly: anything but a record this version wrote is <c>MULTIARCH7003</c>.</summary>
    public static ImageRecord Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 1024 * 1024)
            {
                throw new ImageRecordException(path, $"it is {info.Length} bytes long; a record is a few hundred");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageRecordException(path, ex.Message);
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ImageRecordException(path, "it is not a JSON object");
            }

            if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 1)
            {
                throw new ImageRecordException(path, "schemaVersion is not 1");
            }

            var registry = Text(root, "registry", path);
            var repository = Text(root, "repository", path);
            var digestText = Text(root, "digest", path);
            if (!Oci.Digest.TryParse(digestText, out var digest))
            {
                throw new ImageRecordException(path, $"'{digestText}' is not a digest");
            }

            if (!ImageReference.TryParse($"{registry}/{repository}@{digest}", out var reference, out var reason) || reference.Registry != registry)
            {
                throw new ImageRecordException(path, $"'{registry}/{repository}' is not a registry and repository ({reason})");
            }

            var platforms = root.TryGetProperty("platforms", out var p) && p.ValueKind == JsonValueKind.Array
                ? p.EnumerateArray().Select(e => new ImageRecordPlatform(Text(e, "platform", path), Text(e, "digest", path), Optional(e, "binary"))).ToList()
                : throw new ImageRecordException(path, "it has no 'platforms' array");
            var validation = root.TryGetProperty("validation", out var v) && v.ValueKind == JsonValueKind.Object ? v : default;
            var tags = root.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
                : [];
            return new ImageRecord(
                registry,
                repository,
                digest.Value,
                Optional(root, "manifestMediaType"),
                platforms,
                validation.ValueKind == JsonValueKind.Object ? Optional(validation, "verdict") ?? VerdictNotValidated : VerdictNotValidated,
                validation.ValueKind == JsonValueKind.Object ? Optional(validation, "report") : null,
                tags);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new ImageRecordException(path, ex.Message);
        }
    }

    private static string Text(JsonElement element, string name, string path)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new ImageRecordException(path, $"it has no '{name}'");

    private static string? Optional(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>A file named as an image record that is not one (MULTIARCH7003).</summary>
internal sealed class ImageRecordException(string path, string reason)
    : MultiArchException(nameof(Strings.ImageRecordInvalid), path, reason);
