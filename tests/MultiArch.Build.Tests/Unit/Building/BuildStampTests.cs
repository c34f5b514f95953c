using MultiArch.Build.Building;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Building;

/// <summary>The build stamp over a real folder: which changes rebuild, which do not, and .dockerignore as BuildKit reads it.</summary>
[TestClass]
public sealed class BuildStampTests
{
    private static (string Context, BuildRequest Request) Context()
    {
        var dir = TestDirectories.Create("stamp");
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), "FROM scratch\nCOPY . /\n");
        File.WriteAllText(Path.Combine(dir, "a.txt"), "a");
        Directory.CreateDirectory(Path.Combine(dir, "docs"));
        File.WriteAllText(Path.Combine(dir, "docs", "readme.md"), "r");
        Directory.CreateDirectory(Path.Combine(dir, "obj", "multiarch"));
        File.WriteAllText(Path.Combine(dir, "obj", "multiarch", "image.tar"), "output");
        var request = new BuildRequest
        {
            Platforms = [OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64")],
            Dockerfile = Path.Combine(dir, "Dockerfile"),
            Context = dir,
            Output = BuildOutputKind.Archive,
            ArchivePath = Path.Combine(dir, "obj", "multiarch", "image.tar"),
            BuildArgs = [new("BASE", "busybox"), new("NPM_TOKEN", "s3cret-value")],
        };
        return (dir, request);
    }

    private static BuildStamp Describe(BuildRequest request, BuildStamp? previous = null)
        => BuildStamp.Describe(ContainerCliKind.Podman, request, [Path.Combine(request.Context, "obj", "multiarch")], [], previous);

    [TestMethod]
    public void Unchanged_inputs_have_no_difference_and_outputs_are_not_inputs()
    {
        var (dir, request) = Context();
        var first = Describe(request);
        File.WriteAllText(Path.Combine(dir, "obj", "multiarch", "image.tar"), "another output");
        File.SetLastWriteTimeUtc(Path.Combine(dir, "a.txt"), DateTime.UtcNow.AddHours(-1));

        Assert.IsNull(Describe(request, first).Difference(first), "a new output or a touched but unchanged file is no change");
        Assert.IsFalse(first.Inputs.Any(i => i.Key.Contains("image.tar", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void A_named_context_under_obj_counts_even_when_size_and_time_are_unchanged()
    {
        // The staged publish output lives under obj/multiarch/ (an output folder) and gives every file one timestamp.
        var (dir, request) = Context();
        var staged = Path.Combine(dir, "obj", "multiarch", "publish-context", "linux", "amd64");
        Directory.CreateDirectory(staged);
        var dll = Path.Combine(staged, "App.dll");
        var epoch = new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(dll, "version 1");
        File.SetLastWriteTimeUtc(dll, epoch);
        request = request with { NamedContexts = [new("publish", Path.Combine(dir, "obj", "multiarch", "publish-context"))] };
        var first = Describe(request);

        Assert.IsNull(Describe(request, first).Difference(first));
        File.WriteAllText(dll, "version 2");
        File.SetLastWriteTimeUtc(dll, epoch);
        Assert.AreEqual("named-context publish linux/amd64/App.dll", Describe(request, first).Difference(first));
    }

    [TestMethod]
    public void Every_kind_of_change_is_named()
    {
        var (dir, request) = Context();
        var first = Describe(request);

        File.WriteAllText(Path.Combine(dir, "a.txt"), "changed");
        Assert.AreEqual("context a.txt", Describe(request, first).Difference(first));
        File.WriteAllText(Path.Combine(dir, "a.txt"), "a");

        File.WriteAllText(Path.Combine(dir, "new.txt"), "n");
        Assert.AreEqual("context new.txt", Describe(request, first).Difference(first));
        File.Delete(Path.Combine(dir, "new.txt"));

        File.SetUnixFileMode(Path.Combine(dir, "a.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.AreEqual("context a.txt", Describe(request, first).Difference(first), "the mode reaches the image");
        File.SetUnixFileMode(Path.Combine(dir, "a.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.IsNull(Describe(request, first).Difference(first));

        Assert.AreEqual("platforms", Describe(request with { Platforms = [OciPlatform.Parse("linux/amd64")] }, first).Difference(first));
        Assert.AreEqual("build-arg BASE", Describe(request with { BuildArgs = [new("BASE", "alpine"), new("NPM_TOKEN", "s3cret-value")] }, first).Difference(first));
        Assert.AreEqual("source-date-epoch", Describe(request with { SourceDateEpoch = 1 }, first).Difference(first));
        Assert.AreEqual("network", Describe(request with { Network = "host" }, first).Difference(first), "another network mode can give another image");
        File.AppendAllText(request.Dockerfile, "LABEL x=y\n");
        // The Dockerfile is an input on its own, and here a file of the context too.
        Assert.AreEqual($"file {request.Dockerfile}, context Dockerfile", Describe(request, first).Difference(first));
    }

    [TestMethod]
    public void Secrets_are_hashed_and_the_stamp_reads_back()
    {
        var (dir, request) = Context();
        var stamp = Describe(request).WithResult(new StampResult(BuildOutputKind.Archive, request.ArchivePath!, "sha256:" + new string('a', 64), [("linux/amd64", "sha256:" + new string('b', 64))]));
        var path = Path.Combine(dir, "obj", "multiarch", "build.stamp");

        Assert.IsTrue(stamp.Write(path));
        Assert.IsFalse(stamp.Write(path), "an unchanged stamp is not rewritten");
        Assert.IsFalse(File.Exists(path + ".new"));
        Assert.IsFalse(File.ReadAllText(path).Contains("s3cret-value", StringComparison.Ordinal), "secret build args only as hashes");
        var read = BuildStamp.Read(path)!;
        Assert.IsNull(read.Difference(stamp));
        Assert.AreEqual(stamp.Result!.Digest, read.Result!.Digest);
        Assert.AreEqual("linux/amd64", read.Result.Platforms.Single().Platform);
        File.WriteAllText(path, "not a stamp\n");
        Assert.IsNull(BuildStamp.Read(path));
    }

    /// <summary>
    /// A stamp cut short anywhere (a build killed while a non-atomic copy or write of it ran) is never read as a
    /// finished build's: every prefix but the whole text is refused, so the next build runs.
    /// </summary>
    [TestMethod]
    public void A_stamp_cut_short_anywhere_is_not_read()
    {
        var (dir, request) = Context();
        var stamp = Describe(request).WithResult(new StampResult(BuildOutputKind.Archive, request.ArchivePath!, "sha256:" + new string('a', 64), [("linux/amd64", "sha256:" + new string('b', 64)), ("linux/arm64", "sha256:" + new string('c', 64))]));
        var text = stamp.Format();
        var path = Path.Combine(dir, "cut.stamp");

        for (var length = 0; length < text.Length - 1; length++)
        {
            File.WriteAllText(path, text[..length]);
            Assert.IsNull(BuildStamp.Read(path), $"read as a stamp when cut after {length} of {text.Length} characters: ...{text[Math.Max(0, length - 40)..length]}");
        }

        // Only the last newline may be missing: the stamp is whole.
        File.WriteAllText(path, text[..^1]);
        Assert.AreEqual(2, BuildStamp.Read(path)!.Result!.Platforms.Count);
        File.WriteAllText(path, text);
        Assert.IsNull(BuildStamp.Read(path)!.Difference(stamp));
    }

    [TestMethod]
    public void Dockerignore_excludes_as_buildkit_does()
    {
        var (dir, request) = Context();
        var first = Describe(request);
        File.WriteAllText(Path.Combine(dir, ".dockerignore"), "# docs are not shipped\ndocs\n*.log\n!keep.log\n");
        var withIgnore = Describe(request);
        File.WriteAllText(Path.Combine(dir, "docs", "readme.md"), "changed");
        File.WriteAllText(Path.Combine(dir, "debug.log"), "x");
        File.WriteAllText(Path.Combine(dir, "keep.log"), "x");

        Assert.AreEqual("context keep.log", Describe(request, withIgnore).Difference(withIgnore));
        Assert.IsTrue(first.Inputs.Any(i => i.Key == "context docs/readme.md"));
    }

    [TestMethod]
    [DataRow("docs", "docs/a/b.md", true)]
    [DataRow("/docs", "docs", true)]
    [DataRow("*.md", "a.md", true)]
    [DataRow("*.md", "sub/a.md", false)]
    [DataRow("**/*.md", "sub/deep/a.md", true)]
    [DataRow("**/*.md", "a.md", true)]
    [DataRow("node_modules/**", "node_modules/x/y.js", true)]
    [DataRow("a?c", "abc", true)]
    [DataRow("a?c", "a/c", false)]
    [DataRow("[a-c].txt", "b.txt", true)]
    [DataRow("./x/../y", "y", true)]
    public void Dockerignore_patterns(string pattern, string path, bool excluded)
        => Assert.AreEqual(excluded, BuildContextFiles.FromText(pattern).IsExcluded(path));

    [TestMethod]
    public void The_last_matching_pattern_wins()
    {
        var rules = BuildContextFiles.FromText("*\n!src\nsrc/*.tmp\n");

        Assert.IsTrue(rules.IsExcluded("README.md"));
        Assert.IsFalse(rules.IsExcluded("src/main.go"));
        Assert.IsTrue(rules.IsExcluded("src/x.tmp"));
    }
}
