using System.IO.Compression;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// Images made of Debian's real per-architecture packages (build/env/install.sh downloads the .deb files to
/// $MULTIARCH_TEST_DEBS_DIR/&lt;arch&gt;/): each package's file system (<c>dpkg-deb --fsys-tarfile</c>) is one
/// gzip layer, as a Dockerfile's <c>COPY</c> of an unpacked package would be. Pushed once per test run to the
/// loopback registry, one tag per scenario, for linux/amd64 and linux/arm64.
/// </summary>
internal static class DebianImages
{
    public static readonly OciPlatform Amd64 = OciPlatform.Parse("linux/amd64");
    public static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");
    public static readonly OciPlatform[] Platforms = [Amd64, Arm64];

    private static readonly string[] Packages = ["hello", "libc6", "libgcc-s1", "libstdc++6", "musl", "pigz", "zlib1g"];
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<(string Package, string Arch), TestBlob> Layers = [];
    private static string? _repository;

    /// <summary>The scenarios: tag → (layers per platform, entrypoint).</summary>
    public static IReadOnlyDictionary<string, (Func<string, string[]> Packages, string[] Entrypoint)> Scenarios { get; } = new Dictionary<string, (Func<string, string[]>, string[])>
    {
        // A dynamically linked program with its C library: starts everywhere.
        ["hello-glibc"] = (_ => ["libc6", "hello"], ["/usr/bin/hello"]),

        // The same program without its C library: the interpreter is missing.
        ["hello-bare"] = (_ => ["hello"], ["/usr/bin/hello"]),

        // A glibc program on a musl layout (musl's loader and libc, no glibc).
        ["hello-musl"] = (_ => ["musl", "hello"], ["/usr/bin/hello"]),

        // zlib present on amd64 only: pigz starts there and nowhere else.
        ["pigz-zlib-amd64-only"] = (arch => arch == "amd64" ? ["libc6", "zlib1g", "pigz"] : ["libc6", "pigz"], ["/usr/bin/pigz", "--version"]),
    };

    public static string? Probe()
    {
        var dir = Environment.GetEnvironmentVariable("MULTIARCH_TEST_DEBS_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            return "needs Debian packages per architecture: MULTIARCH_TEST_DEBS_DIR is not set (build/env/install.sh downloads them)";
        }

        var missing = new[] { "amd64", "arm64" }.SelectMany(a => Packages.Where(p => Deb(p, a) is null).Select(p => $"{p}:{a}")).ToList();
        return missing.Count == 0 ? null : $"Debian packages missing in {dir}: {string.Join(", ", missing)} (run build/env/install.sh)";
    }

    public static string Reference(string tag) => $"{Environments.Registry}/{_repository ?? throw new InvalidOperationException("push first")}:{tag}";

    /// <summary>Pushes every scenario (and a static busybox and a script without its interpreter) once; returns the repository.</summary>
    public static async Task<string> PushAllAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_repository is not null)
            {
                return _repository;
            }

            var repository = $"startup/d{Guid.NewGuid():N}"[..26];
            using var client = new RegistryClient(Environments.Registry);
            foreach (var (tag, (packages, entrypoint)) in Scenarios)
            {
                var images = new List<TestImage>();
                foreach (var platform in Platforms)
                {
                    var arch = TestImages.DebianArch(platform);
                    var layers = new List<TestBlob>();
                    foreach (var package in packages(arch))
                    {
                        layers.Add(await LayerAsync(package, arch));
                    }

                    images.Add(TestImages.Image(platform.ToString(), platform.ToString(), layers, entrypoint));
                }

                await TestImages.PushAsync(client, repository, tag, TestImages.Index(images));
            }

            // A static binary: needs nothing. A script whose interpreter (python3) is absent.
            await TestImages.PushAsync(client, repository, "busybox-static", TestImages.Index(Platforms.Select(p => TestImages.Image(
                p.ToString(), p.ToString(), [TestImages.Layer([new TestFile("bin/busybox", Environments.Busybox(TestImages.DebianArch(p)))])], ["/bin/busybox"])).ToList()));
            await TestImages.PushAsync(client, repository, "script-no-python", TestImages.Index(Platforms.Select(p => TestImages.Image(
                p.ToString(), p.ToString(), [TestImages.Layer([new TestFile("bin/busybox", Environments.Busybox(TestImages.DebianArch(p))), new TestFile("bin/sh", null, "busybox"), new TestFile("app/run.py", "#!/usr/bin/python3\nprint('hi')\n"u8.ToArray())])], ["/app/run.py"])).ToList()));
            return _repository = repository;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// A base of Debian 12's libraries that a self-contained .NET app needs (as <c>runtime-deps</c> holds them, with
    /// invariant globalization: libc6, libgcc-s1, libstdc++6, zlib1g) and a <c>/tmp</c>, for linux/amd64 and
    /// linux/arm64, without any ASP.NET Core setting in its config; pushed once per test run.
    /// </summary>
    public static async Task<string> DotnetDepsBaseAsync(string repository)
    {
        using var client = new RegistryClient(Environments.Registry);
        var images = new List<TestImage>();
        foreach (var platform in Platforms)
        {
            var arch = TestImages.DebianArch(platform);
            var layers = new List<TestBlob>();
            foreach (var package in new[] { "libc6", "libgcc-s1", "libstdc++6", "zlib1g" })
            {
                layers.Add(await LayerAsync(package, arch));
            }

            layers.Add(TestImages.Layer([new TestFile("tmp/.keep", [], Mode: 0b110_100_100)]));
            images.Add(TestImages.Image(platform.ToString(), platform.ToString(), layers, ["/bin/false"]));
        }

        await TestImages.PushAsync(client, repository, "12", TestImages.Index(images));
        return $"{Environments.Registry}/{repository}:12";
    }

    private static string? Deb(string package, string arch)
    {
        var dir = Path.Combine(Environment.GetEnvironmentVariable("MULTIARCH_TEST_DEBS_DIR") ?? "/nonexistent", arch);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, $"{package}_*_{arch}.deb").FirstOrDefault() : null;
    }

    /// <summary>The package's files as a gzip layer, from <c>dpkg-deb --fsys-tarfile</c> (paths <c>./usr/bin/hello</c>, modes, symlinks and hard links as packaged).</summary>
    private static async Task<TestBlob> LayerAsync(string package, string arch)
    {
        if (Layers.TryGetValue((package, arch), out var cached))
        {
            return cached;
        }

        var deb = Deb(package, arch) ?? throw new InvalidOperationException($"no {package}:{arch} .deb");
        var tar = Path.GetTempFileName();
        try
        {
            var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec("bash", ["-c", "dpkg-deb --fsys-tarfile \"$1\" > \"$2\"", "fsys", deb, tar]));
            Assert.IsTrue(result.Succeeded, result.Tail());
            using var gz = new MemoryStream();
            await using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            await using (var input = File.OpenRead(tar))
            {
                await input.CopyToAsync(gzip);
            }

            return Layers[(package, arch)] = TestBlob.Of(gz.ToArray(), MediaTypes.OciLayerGzip);
        }
        finally
        {
            File.Delete(tar);
        }
    }
}
