using System.Text.Json;

namespace MultiArch.Build.Building;

/// <summary>An image in podman's storage, as <c>podman images --all --format json</c> lists it. Parsing is pure.</summary>
internal sealed record PodmanImage(string Id, string Digest, bool Untagged)
{
    public static IReadOnlyList<PodmanImage> ParseList(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            return document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object)
                .Select(e => new PodmanImage(
                    Text(e, "Id"),
                    Text(e, "Digest"),
                    !e.TryGetProperty("Names", out var names) || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() == 0))
                .Where(i => i.Id.Length > 0)
                .ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>The instance digests of <c>podman manifest inspect</c>'s list.</summary>
    public static HashSet<string> InstanceDigests(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array
                ? manifests.EnumerateArray().Select(m => Text(m, "digest")).Where(d => d.Length > 0).ToHashSet(StringComparer.Ordinal)
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : string.Empty;
}
