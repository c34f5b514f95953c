using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Images;

[TestClass]
public sealed class ImageFilesystemTests
{
    private static readonly byte[] ArmElf = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 183, 0];
    private static readonly byte[] X86Elf = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 62, 0];

    private static async Task<ImageFilesystem> Apply(params TestFile[][] layers)
    {
        var fs = new ImageFilesystem();
        foreach (var files in layers)
        {
            var blob = TestImages.Layer(files);
            await fs.ApplyLayerAsync(new MemoryStream(blob.Content), gzip: true, default);
        }

        return fs;
    }

    private static ImageConfig Config(string[] entrypoint, string[]? cmd = null, string? workdir = null, string[]? env = null)
        => new("linux", "arm64", null, entrypoint, cmd ?? [], workdir, env ?? [], []);

    [TestMethod]
    public async Task Upper_layers_replace_whiteouts_delete_and_opaque_hides()
    {
        var fs = await Apply(
            [new TestFile("bin/app", X86Elf), new TestFile("opt/lib/a", X86Elf), new TestFile("opt/lib/b", X86Elf), new TestFile("etc/old", X86Elf)],
            [new TestFile("bin/app", ArmElf), new TestFile("etc/.wh.old", []), new TestFile("opt/lib/.wh..wh..opq", []), new TestFile("opt/lib/c", ArmElf)]);

        Assert.AreEqual("arm64", BinaryInspector.Identify(fs["/bin/app"]!.Head).Architecture);
        Assert.IsNull(fs["/etc/old"]);
        Assert.IsNull(fs["/opt/lib/a"]);
        Assert.IsNull(fs["/opt/lib/b"]);
        Assert.IsNotNull(fs["/opt/lib/c"]);
    }

    [TestMethod]
    public async Task Symlinks_are_followed_across_layers_in_every_component()
    {
        var fs = await Apply(
            [new TestFile("usr/lib/real/tool", ArmElf), new TestFile("lib", null, "usr/lib")],
            [new TestFile("usr/bin/tool", null, "../lib/real/tool"), new TestFile("bin", null, "/usr/bin"), new TestFile("loop/a", null, "/loop/b"), new TestFile("loop/b", null, "/loop/a")]);

        Assert.AreEqual("/usr/lib/real/tool", fs.Resolve("/bin/tool")!.Value.Path);
        Assert.AreEqual("/usr/lib/real/tool", fs.Resolve("/lib/real/tool")!.Value.Path);
        Assert.IsNull(fs.Resolve("/loop/a"), "a symlink loop resolves to nothing");
        Assert.IsNull(fs.Resolve("/bin/missing"));
    }

    [TestMethod]
    public async Task Entrypoint_through_path_symlink_and_shebang()
    {
        var fs = await Apply([
            new TestFile("bin/busybox", ArmElf),
            new TestFile("bin/sh", null, "busybox"),
            new TestFile("usr/bin/env", ArmElf),
            new TestFile("app/start", "#!/bin/sh -e\nexec app\n"u8.ToArray()),
            new TestFile("app/py", "#!/usr/bin/env python3\n"u8.ToArray()),
            new TestFile("app/data.txt", "x"u8.ToArray(), Mode: 0b110_100_100),
        ]);

        var viaPath = EntrypointResolver.Resolve(Config(["start"], env: ["PATH=/app:/bin"]), fs);
        Assert.IsNull(viaPath.Undetermined, viaPath.Undetermined);
        Assert.AreEqual("/app/start -> /bin/busybox", viaPath.ChainText);
        Assert.AreEqual("arm64", viaPath.Identity!.Architecture);

        var relative = EntrypointResolver.Resolve(Config([], ["./start"], workdir: "/app"), fs);
        Assert.AreEqual("/app/start -> /bin/busybox", relative.ChainText);

        var python = EntrypointResolver.Resolve(Config(["/app/py"]), fs);
        StringAssert.Contains(python.Undetermined, "'python3' is not in the image");

        Assert.IsNotNull(EntrypointResolver.Resolve(Config([]), fs).Undetermined);
        StringAssert.Contains(EntrypointResolver.Resolve(Config(["/app/data.txt"]), fs).Undetermined, "not executable");
        StringAssert.Contains(EntrypointResolver.Resolve(Config(["/app"]), fs).Undetermined, "directory");
    }
}
