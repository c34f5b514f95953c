using System.Globalization;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Resources;

namespace MultiArch.Build.Dockerfiles;

/// <summary>
/// MULTIARCH5052: the image stage EXPOSEs a TCP port its ASP.NET Core app is not configured to listen on (its
/// <c>ENV ASPNETCORE_HTTP_PORTS</c>/<c>ASPNETCORE_URLS</c>/<c>URLS</c>, through <c>FROM &lt;stage&gt;</c> chains; URLs win
/// over port lists, as in Kestrel), or the URLs name the loopback (<c>http://localhost:8080</c>): then nothing outside
/// the container reaches the app. Only what the Dockerfile says is judged (a base image's own ENV is not read).
/// </summary>
internal sealed class ListenPortMismatchRule : DockerfileRule
{
    /// <summary>The variables ASP.NET Core reads its addresses from: URLs first (they win over the port lists).</summary>
    private static readonly string[] UrlVariables = ["ASPNETCORE_URLS", "DOTNET_URLS", "URLS"];

    private static readonly string[] PortVariables = ["ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS", "HTTP_PORTS", "HTTPS_PORTS"];

    public override string ResourceName => nameof(Strings.DockerfileListenPortMismatch);

    public override DiagnosticSeverity Severity => DiagnosticSeverity.Warning;

    public override string Title => "the exposed port and the ASP.NET Core app's port disagree";

    public override void Check(DockerfileRuleContext context)
    {
        var image = context.Graph.ImageStage!;
        var chain = new List<DockerfileStage>();
        for (var s = image; s is not null && chain.Count <= context.Document.Stages.Count; s = context.Graph.ParentOf(s))
        {
            chain.Insert(0, s);
        }

        var scope = context.Graph.ScopeAt(image, int.MaxValue);
        var urls = UrlVariables.Select(n => scope.GetValueOrDefault(n)).FirstOrDefault(v => v?.Value is { Length: > 0 } && !v.Value.Contains('$', StringComparison.Ordinal));
        var portLists = PortVariables.Select(n => scope.GetValueOrDefault(n)).Where(v => v?.Value is { Length: > 0 } && !v.Value.Contains('$', StringComparison.Ordinal)).ToList();
        if (urls is null && portLists.Count == 0)
        {
            return;
        }

        var listens = new HashSet<int>();
        var source = urls ?? portLists[0]!;
        if (urls is not null)
        {
            foreach (var url in urls.Value!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // Kestrel's wildcards (+, *) are not URI hosts: read them as any host.
                var parsable = url.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal);
                if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri))
                {
                    return;
                }

                if (uri.IsLoopback)
                {
                    context.Add(Finding(urls.Name, urls.Value, $"{url} is the container's loopback: nothing outside the container reaches it; listen on all interfaces (http://+:{uri.Port.ToString(CultureInfo.InvariantCulture)})"), urls.Line);
                }

                listens.Add(uri.Port);
            }
        }
        else
        {
            foreach (var list in portLists)
            {
                foreach (var port in list!.Value!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                    {
                        return;
                    }

                    listens.Add(number);
                }
            }
        }

        foreach (var stage in chain)
        {
            foreach (var expose in stage.Instructions.Where(i => i.Is("EXPOSE")))
            {
                var at = context.Graph.ScopeAt(stage, expose.Line);
                foreach (var word in expose.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var value = word.Contains('$', StringComparison.Ordinal) ? context.Graph.Resolve(word, at).Value : word;
                    var parts = value?.Split('/') ?? [];
                    if (parts.Length == 0 || (parts.Length > 1 && !parts[1].Equals("tcp", StringComparison.OrdinalIgnoreCase))
                        || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var exposed))
                    {
                        continue;
                    }

                    if (!listens.Contains(exposed))
                    {
                        var configured = string.Join(", ", listens.Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
                        context.Add(Finding(source.Name, source.Value, $"EXPOSE {word} names a port the app does not listen on (it listens on {configured}, line {source.Line.ToString(CultureInfo.InvariantCulture)}); expose that port or set {source.Name} to include {exposed.ToString(CultureInfo.InvariantCulture)}"), expose);
                    }
                }
            }
        }
    }
}
