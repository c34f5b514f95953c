using MultiArch.Build.Oci;

namespace MultiArch.Build.Images;

/// <summary>The executable an image would start, followed through PATH, symlinks and #! interpreters.</summary>
internal sealed record ResolvedExecutable(IReadOnlyList<string> Chain, BinaryIdentity? Identity, string? Undetermined)
{
    public string ChainText => string.Join(" -> ", Chain);
}

/// <summary>
/// Finds the binary the container runtime would execute for an image: <c>Entrypoint</c> + <c>Cmd</c>,
/// <c>argv[0]</c> looked up in the config's <c>PATH</c> (or relative to <c>WorkingDir</c>), symlinks
/// followed across layers, and a <c>#!</c> script's interpreter (through <c>/usr/bin/env</c>) in turn.
/// </summary>
internal static class EntrypointResolver
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static ResolvedExecutable Resolve(ImageConfig config, ImageFilesystem fs)
    {
        var argv = config.Entrypoint.Count > 0 ? config.Entrypoint.Concat(config.Cmd).ToList() : config.Cmd.ToList();
        if (argv.Count == 0 || string.IsNullOrWhiteSpace(argv[0]))
        {
            return new ResolvedExecutable([], null, "the image has no Entrypoint or Cmd");
        }

        var pathVariable = config.Env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        var chain = new List<string>();
        var program = argv[0];
        for (var depth = 0; depth < 5; depth++)
        {
            var found = Lookup(program, pathVariable, config.WorkingDir, fs);
            if (found is null)
            {
                chain.Add(program);
                return new ResolvedExecutable(chain, null, $"'{program}' is not in the image (PATH={pathVariable})");
            }

            var (path, entry) = found.Value;
            chain.Add(path);
            if (entry.Kind != FsEntryKind.File)
            {
                return new ResolvedExecutable(chain, null, $"'{path}' is a {entry.Kind.ToString().ToLowerInvariant()}, not a file");
            }

            if (entry.Head is null)
            {
                return new ResolvedExecutable(chain, null, $"'{path}' is not executable");
            }

            var identity = BinaryInspector.Identify(entry.Head);
            if (identity.Kind != BinaryKind.Script)
            {
                return identity.Kind == BinaryKind.Unknown
                    ? new ResolvedExecutable(chain, identity, $"'{path}' is {identity.Description}")
                    : new ResolvedExecutable(chain, identity, null);
            }

            // #!/usr/bin/env python3 -> the interpreter is found through PATH; #!/bin/sh -e -> /bin/sh.
            var words = (identity.Interpreter ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                return new ResolvedExecutable(chain, identity, $"'{path}' is a script without an interpreter");
            }

            var env = Lookup(words[0], pathVariable, config.WorkingDir, fs) is { } e && e.Path.EndsWith("/env", StringComparison.Ordinal);
            program = env && words.Length > 1 ? words[1] : words[0];
            if (env && words.Length > 1)
            {
                chain.Add(words[0]);
            }
        }

        return new ResolvedExecutable(chain, null, "too many nested #! interpreters");
    }

    private static (string Path, FsEntry Entry)? Lookup(string program, string pathVariable, string? workingDir, ImageFilesystem fs)
    {
        if (program.StartsWith('/'))
        {
            return fs.Resolve(program);
        }

        if (program.Contains('/'))
        {
            return fs.Resolve((string.IsNullOrEmpty(workingDir) ? "/" : workingDir) + "/" + program);
        }

        foreach (var dir in pathVariable.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (fs.Resolve(dir + "/" + program) is { Entry.Kind: FsEntryKind.File } hit)
            {
                return hit;
            }
        }

        return null;
    }
}
