using MultiArch.Build.Diagnostics;
using MultiArch.Build.Dockerfiles;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>The whole-image architecture scan over in-memory images: which files are foreign, base or added, and where they came from.</summary>
[TestClass]
public sealed class ArchitectureScanTests
{
    private static readonly string[] Platforms = ["linux/amd64", "linux/arm64", "linux/s390x"];

    /// <summary>An ELF executable header (<c>ET_EXEC</c>) for a GOARCH.</summary>
    internal static byte[] Executable(string architecture, byte osAbi = 0)
    {
        var head = FakeImages.Elf(architecture);
        head[head[5] == 2 ? 17 : 16] = 2;
        head[7] = osAbi;
        return head;
    }

    private static readonly Dictionary<string, TestBlob> Layers = [];

    /// <summary>A base layer; the same arguments give the same blob (tar entries carry the time they were made).</summary>
    private static TestBlob BaseLayer(string architecture, params TestFile[] more)
    {
        var key = architecture + string.Concat(more.Select(m => "|" + m.Path));
        lock (Layers)
        {
            if (!Layers.TryGetValue(key, out var layer))
            {
                Layers[key] = layer = TestImages.Layer([new TestFile("bin/busybox", Executable(architecture)), new TestFile("bin/sh", null, "busybox"), .. more]);
            }

            return layer;
        }
    }

    /// <summary>What the Dockerfile below makes: a base layer per platform, then one layer shared by every platform.</summary>
    private static TestIndex HelperImage(Func<string, TestBlob> baseLayer, TestBlob added, IReadOnlyList<string>? history = null)
        => TestImages.Index(Platforms.Select(p => TestImages.Image(p, p, [baseLayer(OciPlatform.Parse(p).Architecture), added], ["/bin/busybox"], history: history)).ToList());

    private static TestIndex BaseIndex(Func<string, TestBlob> baseLayer)
        => TestImages.Index(Platforms.Select(p => TestImages.Image(p, p, [baseLayer(OciPlatform.Parse(p).Architecture)], ["/bin/sh"])).ToList());

    private const string Dockerfile = """
        FROM --platform=$BUILDPLATFORM 127.0.0.1:5000/tools:1 AS tools
        RUN echo fetch helm
        FROM 127.0.0.1:5000/base:1
        ENV HOME=/root
        COPY --from=tools /out/helm /usr/local/bin/helm
        """;

    private static async Task<(ValidationReport Report, InMemoryImageSource Source)> ValidateAsync(TestIndex index, ArchitectureScanOptions scan, string? appDirectory = null)
    {
        var source = new InMemoryImageSource(index);
        var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = Platforms.Select(OciPlatform.Parse).ToList(), ArchitectureScan = scan, AppDirectory = appDirectory }, default);
        return (report, source);
    }

    private static ArchitectureScanOptions WithBase(TestIndex baseIndex)
    {
        var document = DockerfileParser.Parse(Dockerfile, "/src/Dockerfile").Document;
        var (name, line, instructions) = ArchitectureScan.FromDockerfile(document, null, null);
        return new ArchitectureScanOptions { BaseImageName = name, BaseImageOrigin = $"Dockerfile line {line}", BaseImage = new InMemoryImageSource(baseIndex, "base"), DockerfilePath = "/src/Dockerfile", ImageInstructions = instructions };
    }

    [TestMethod]
    public async Task The_helper_binary_image_fails_on_exactly_its_foreign_platforms_naming_the_file_layer_and_instruction()
    {
        var helm = TestImages.Layer([new TestFile("usr/local/bin/helm", Executable("amd64"))]);
        var index = HelperImage(a => BaseLayer(a), helm, ["/bin/sh -c #(nop) ADD file:busybox in / ", "COPY /out/helm /usr/local/bin/helm # buildkit"]);

        var (report, source) = await ValidateAsync(index, WithBase(BaseIndex(a => BaseLayer(a))));

        var errors = report.Diagnostics.Where(d => d.Code == "MULTIARCH5060").ToList();
        Assert.AreEqual(2, errors.Count, string.Join("\n", report.Diagnostics));
        CollectionAssert.AreEquivalent(new[] { "linux/arm64", "linux/s390x" }, errors.Select(e => e.Arguments[0]!.ToString()).ToArray());
        foreach (var error in errors)
        {
            StringAssert.Contains(error.Message, "/usr/local/bin/helm (ELF 64-bit LSB x86-64)");
            StringAssert.Contains(error.Message, "layer 2 of 2");
            StringAssert.Contains(error.Message, "COPY --from=tools /out/helm /usr/local/bin/helm");
            Assert.AreEqual("/src/Dockerfile", error.File);
            Assert.AreEqual(5, error.Line);
        }

        Assert.IsFalse(report.Passed);
        Assert.AreEqual(0, report.Platforms.Single(p => p.Platform == "linux/amd64").Scan!.Foreign);
        Assert.AreEqual(1, report.Platforms.Single(p => p.Platform == "linux/amd64").Scan!.BaseLayers);

        // The COPY layer is the same blob in all three images: read once.
        Assert.AreEqual(1, source.Reads.Count(d => d == helm.Digest));
    }

    [TestMethod]
    public async Task A_clean_image_passes_and_says_what_it_scanned()
    {
        var index = TestImages.Index(Platforms.Select(p => TestImages.Image(p, p, [BaseLayer(OciPlatform.Parse(p).Architecture), TestImages.Layer([new TestFile("usr/lib/libfoo.so.1", Executable(OciPlatform.Parse(p).Architecture), Mode: 0b110_100_100)])], ["/bin/busybox"])).ToList());

        var (report, _) = await ValidateAsync(index, new ArchitectureScanOptions());

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        // The entrypoint (/bin/busybox) is the entrypoint check's; the scan judges the library.
        Assert.IsTrue(report.Platforms.All(p => p.Scan is { Checked: 1, Foreign: 0 }), string.Join("\n", report.Diagnostics));
        Assert.AreEqual(3, report.Diagnostics.Count(d => d.ResourceName == nameof(Resources.Strings.ScanPassed)));
    }

    [TestMethod]
    public async Task A_foreign_file_of_the_base_image_is_a_warning_only()
    {
        var withForeign = (string a) => BaseLayer(a, new TestFile("usr/lib/x86_64-linux-gnu/libshipped.so", Executable("amd64"), Mode: 0b110_100_100));
        var app = TestImages.Layer([new TestFile("app/run.sh", "#!/bin/sh\n"u8.ToArray())]);

        var (report, _) = await ValidateAsync(HelperImage(withForeign, app), WithBase(BaseIndex(withForeign)));

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        var warnings = report.Diagnostics.Where(d => d.Code == "MULTIARCH5061").ToList();
        Assert.AreEqual(2, warnings.Count, string.Join("\n", report.Diagnostics));
        Assert.IsTrue(warnings.All(w => w.Severity == DiagnosticSeverity.Warning && w.Message.Contains("/usr/lib/x86_64-linux-gnu/libshipped.so", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task Without_a_base_every_layer_is_the_builds_own()
    {
        var withForeign = (string a) => BaseLayer(a, new TestFile("usr/lib/x86_64-linux-gnu/libshipped.so", Executable("amd64"), Mode: 0b110_100_100));
        var app = TestImages.Layer([new TestFile("app/run.sh", "#!/bin/sh\n"u8.ToArray())]);

        var (report, _) = await ValidateAsync(HelperImage(withForeign, app), new ArchitectureScanOptions());

        Assert.AreEqual(2, report.Diagnostics.Count(d => d.Code == "MULTIARCH5060"), string.Join("\n", report.Diagnostics));
    }

    [TestMethod]
    public async Task A_base_image_that_is_not_underneath_or_cannot_be_read_is_said_and_every_layer_judged()
    {
        var helm = TestImages.Layer([new TestFile("usr/local/bin/helm", Executable("amd64"))]);
        var other = BaseIndex(a => BaseLayer(a, new TestFile("etc/other", "x"u8.ToArray())));

        var (report, _) = await ValidateAsync(HelperImage(a => BaseLayer(a), helm), WithBase(other));
        Assert.AreEqual(3, report.Diagnostics.Count(d => d.Code == "MULTIARCH5064"), string.Join("\n", report.Diagnostics));

        var unreadable = WithBase(TestImages.Index([TestImages.Image("linux/riscv64", "linux/riscv64", [BaseLayer("riscv64")], ["/bin/sh"])]));
        (report, _) = await ValidateAsync(HelperImage(a => BaseLayer(a), helm), unreadable);
        Assert.AreEqual(3, report.Diagnostics.Count(d => d.Code == "MULTIARCH5063"), string.Join("\n", report.Diagnostics));
        Assert.AreEqual(2, report.Diagnostics.Count(d => d.Code == "MULTIARCH5060"));
    }

    [TestMethod]
    [DataRow("/usr/local/bin/tool", "amd64", "linux/arm64", true)]
    [DataRow("/usr/local/bin/tool", "arm64", "linux/arm64", false)]
    [DataRow("/app/runtimes/linux-x64/native/libe_sqlite3.so", "amd64", "linux/arm64", false)]
    [DataRow("/app/runtimes/linux-arm64/native/libe_sqlite3.so", "amd64", "linux/arm64", true)]
    [DataRow("/app/runtimes/osx/native/libfoo.dylib", "amd64", "linux/arm64", false)]
    [DataRow("/srv/node_modules/bufferutil/prebuilds/linux-x64/node.napi.node", "amd64", "linux/arm64", false)]
    [DataRow("/srv/node_modules/bufferutil/prebuilds/linux-arm64/node.napi.node", "amd64", "linux/arm64", true)]
    [DataRow("/usr/lib/x86_64-linux-gnu/libc.so.6", "amd64", "linux/s390x", true)]
    [DataRow("/usr/bin/s", "s390x", "linux/s390x", false)]
    [DataRow("/usr/bin/p", "ppc64le", "linux/s390x", true)]
    public void A_file_is_foreign_unless_its_cpu_is_the_platforms_or_its_folders(string path, string architecture, string platform, bool foreign)
    {
        var code = NativeCode.Of(Executable(architecture))!;

        Assert.AreEqual(foreign, ArchitectureScan.IsForeign(new NativeFile(path, code, null), OciPlatform.Parse(platform)));
    }

    [TestMethod]
    public void A_FreeBSD_ELF_is_foreign_on_linux_and_object_files_are_not_judged()
    {
        var freebsd = NativeCode.Of(Executable("amd64", osAbi: 9))!;
        Assert.IsTrue(ArchitectureScan.IsForeign(new NativeFile("/bin/x", freebsd, null), OciPlatform.Parse("linux/amd64")));
        StringAssert.Contains(freebsd.Description, "FreeBSD");

        var relocatable = FakeImages.Elf("arm64");
        relocatable[16] = 1;
        Assert.IsNull(NativeCode.Of(relocatable), "an object file (ET_REL), e.g. a kernel module or eBPF program, is not run as it is");
        Assert.IsNull(NativeCode.Of("#!/bin/sh\n"u8), "a script holds no machine code");
    }

    [TestMethod]
    public async Task Ignored_paths_and_the_dotnet_app_folder_are_not_judged_by_the_scan()
    {
        var cross = TestImages.Layer(
        [
            new TestFile("usr/aarch64-linux-gnu/lib/libc.so.6", Executable("arm64"), Mode: 0b110_100_100),
            new TestFile("lib/firmware/dsp.elf", Executable("arm64"), Mode: 0b110_100_100),
        ]);
        var index = TestImages.Index([TestImages.Image("linux/amd64", "linux/amd64", [BaseLayer("amd64"), cross], ["/bin/busybox"])]);
        await using var source = new InMemoryImageSource(index);

        var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = [OciPlatform.Parse("linux/amd64")], ArchitectureScan = new ArchitectureScanOptions { IgnoredPaths = ["/usr/aarch64-linux-gnu"] } }, default);

        Assert.IsTrue(report.Passed, string.Join("\n", report.Diagnostics));
        // Neither the ignored cross libraries nor the firmware is judged, and the entrypoint is the entrypoint check's.
        Assert.AreEqual(0, report.Platforms[0].Scan!.Checked);
    }

    [TestMethod]
    public void The_base_and_instructions_come_from_the_final_stage_chain()
    {
        var document = DockerfileParser.Parse("""
            ARG BASE=127.0.0.1:5000/base:2
            FROM ${BASE} AS runtime
            RUN echo one
            FROM golang:1.23 AS build
            RUN go build
            FROM runtime
            COPY --from=build /out/app /app
            """, "Dockerfile").Document;

        var (name, line, instructions) = ArchitectureScan.FromDockerfile(document, null, null);

        Assert.AreEqual("127.0.0.1:5000/base:2", name);
        Assert.AreEqual(2, line);
        CollectionAssert.AreEqual(new[] { "RUN", "COPY" }, instructions.Select(i => i.Keyword.ToUpperInvariant()).ToArray());
        Assert.AreEqual("scratch", ArchitectureScan.FromDockerfile(DockerfileParser.Parse("FROM scratch\nCOPY app /app\n", "Dockerfile").Document, null, null).BaseImage);
    }
}
