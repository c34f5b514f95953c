using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

[TestClass]
public sealed class CheckDockerfileTaskTests
{
    private static ITaskItem[] Platforms(params string[] platforms) => platforms.Select(p => (ITaskItem)new TaskItem(p)).ToArray();

    private static (bool Result, RecordingBuildEngine Engine) Run(string dockerfilePath, string severities = "", params string[] platforms)
    {
        var engine = new RecordingBuildEngine();
        var task = new CheckDockerfile
        {
            BuildEngine = engine,
            Dockerfile = dockerfilePath,
            Platforms = Platforms(platforms.Length == 0 ? ["linux/amd64", "linux/arm64"] : platforms),
            NativePlatforms = "linux/amd64",
            Severities = severities,
        };
        return (task.Execute(), engine);
    }

    private static string Write(string text)
    {
        var dir = TestDirectories.Create("dockerfile");
        var path = Path.Combine(dir, "Dockerfile");
        File.WriteAllText(path, text);
        return path;
    }

    [TestMethod]
    public void Missing_dockerfile_is_a_coded_error()
    {
        var (ok, engine) = Run(Path.Combine(TestDirectories.Create("missing"), "Dockerfile"));
        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2010" }, engine.ErrorCodes.ToArray());
    }

    [TestMethod]
    public void A_directory_instead_of_a_file_is_a_coded_error()
    {
        var dir = TestDirectories.Create("dir");
        Directory.CreateDirectory(Path.Combine(dir, "Dockerfile"));
        var (ok, engine) = Run(Path.Combine(dir, "Dockerfile"));
        Assert.IsFalse(ok);
        Assert.AreEqual(1, engine.Errors.Count, engine.AllText);
        StringAssert.StartsWith(engine.Errors[0].Code, "MULTIARCH201");
    }

    [TestMethod]
    public void Binary_garbage_is_a_coded_syntax_error()
    {
        var dir = TestDirectories.Create("binary");
        var path = Path.Combine(dir, "Dockerfile");
        File.WriteAllBytes(path, [0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe, 0x0a, 0x00]);
        var (ok, engine) = Run(path);
        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2012" }, engine.ErrorCodes.Distinct().ToArray(), engine.AllText);
    }

    [TestMethod]
    public void Findings_carry_file_line_and_column()
    {
        var path = Write("FROM --platform=$BUILDPLATFORM alpine\nRUN true\n");
        var (ok, engine) = Run(path);
        Assert.IsFalse(ok);
        var error = engine.Errors.Single();
        Assert.AreEqual("MULTIARCH2001", error.Code);
        Assert.AreEqual(path, error.File);
        Assert.AreEqual(1, error.LineNumber);
        Assert.AreEqual(1, error.ColumnNumber);
    }

    [TestMethod]
    public void The_pipeline_splits_the_checks_around_the_preflight()
    {
        // Emulated RUN steps (MULTIARCH2007, 2008 for dotnet) and an undeclared $TARGETARCH (MULTIARCH2004) in one file.
        var path = Write("FROM alpine\nRUN dotnet publish -c Release\nRUN echo $TARGETARCH\n");
        CheckDockerfile Task(string scope, string native) => new()
        {
            BuildEngine = new RecordingBuildEngine(),
            Dockerfile = path,
            Platforms = Platforms("linux/amd64", "linux/arm64"),
            NativePlatforms = native,
            Scope = scope,
        };

        var all = Task("", "linux/amd64");
        var before = Task("WithoutEmulation", "linux/amd64");
        var after = Task("EmulationOnly", "linux/amd64");
        var afterNative = Task("EmulationOnly", "linux/amd64,linux/arm64");
        foreach (var task in new[] { all, before, after, afterNative })
        {
            task.Execute();
        }

        string[] Codes(CheckDockerfile task) => ((RecordingBuildEngine)task.BuildEngine).Errors.Select(e => e.Code)
            .Concat(((RecordingBuildEngine)task.BuildEngine).Warnings.Select(w => w.Code))
            .Concat(((RecordingBuildEngine)task.BuildEngine).Messages.Select(m => m.Code).Where(c => c is not null))
            .Distinct().Order().ToArray()!;
        CollectionAssert.IsSubsetOf(new[] { "MULTIARCH2004", "MULTIARCH2007", "MULTIARCH2008" }, Codes(all));
        CollectionAssert.DoesNotContain(Codes(before), "MULTIARCH2007");
        CollectionAssert.Contains(Codes(before), "MULTIARCH2004");
        CollectionAssert.AreEquivalent(new[] { "MULTIARCH2007", "MULTIARCH2008" }, Codes(after));
        Assert.AreEqual(0, Codes(afterNative).Length, "a builder that runs arm64 natively emulates nothing");
    }

    [TestMethod]
    public void Severity_overrides_promote_demote_and_silence()
    {
        var path = Write("FROM --platform=$BUILDPLATFORM alpine\nRUN echo $TARGETARCH\n");
        var (demoted, e1) = Run(path, "MULTIARCH2001=warning;MULTIARCH2004=none");
        Assert.IsTrue(demoted, e1.AllText);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2001" }, e1.WarningCodes.ToArray());

        var (promoted, e2) = Run(path, "multiarch2004=error");
        Assert.IsFalse(promoted);
        CollectionAssert.AreEquivalent(new[] { "MULTIARCH2001", "MULTIARCH2004" }, e2.ErrorCodes.ToArray());
    }

    [TestMethod]
    [DataRow("MULTIARCH2001")]
    [DataRow("MULTIARCH2001=fatal")]
    [DataRow("MULTIARCH1001=error")]
    [DataRow("=error")]
    public void Bad_severity_override_is_a_coded_error(string severities)
    {
        var (ok, engine) = Run(Write("FROM alpine\n"), severities);
        Assert.IsFalse(ok);
        CollectionAssert.AreEqual(new[] { "MULTIARCH2014" }, engine.ErrorCodes.ToArray());
    }

    /// <summary>Thousands of mutated and random Dockerfiles: the task logs coded diagnostics and never throws.</summary>
    [TestMethod]
    public void Mutated_and_random_dockerfiles_never_crash_the_task()
    {
        var corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestData", "Dockerfiles"), "*.Dockerfile").Select(File.ReadAllText).ToList();
        var random = new Random(20261122);
        var fragments = new[] { "\\\n", "`\n", "<<EOF\n", "EOF\n", "${", "}", "$", "--platform=", "FROM ", "ARG TARGETARCH=", "COPY --from=", "\n", "[\"", "\"]", "#", "# escape=`\n", "AS ", "--mount=type=bind,from=", "\0", "\uFEFF", "'", "\"" };
        var dir = TestDirectories.Create("fuzz");
        var path = Path.Combine(dir, "Dockerfile");
        for (var i = 0; i < 3000; i++)
        {
            string text;
            if (i % 10 == 9)
            {
                var bytes = new byte[random.Next(0, 400)];
                random.NextBytes(bytes);
                text = System.Text.Encoding.Latin1.GetString(bytes);
            }
            else
            {
                var chars = corpus[random.Next(corpus.Count)].ToCharArray().ToList();
                for (var m = random.Next(1, 12); m > 0; m--)
                {
                    var at = random.Next(chars.Count + 1);
                    switch (random.Next(3))
                    {
                        case 0 when chars.Count > 0 && at < chars.Count:
                            chars.RemoveRange(at, Math.Min(random.Next(1, 30), chars.Count - at));
                            break;
                        case 1:
                            chars.InsertRange(at, fragments[random.Next(fragments.Length)]);
                            break;
                        default:
                            if (chars.Count > 0 && at < chars.Count)
                            {
                                chars[at] = (char)random.Next(1, 128);
                            }

                            break;
                    }
                }

                text = new string(chars.ToArray());
            }

            File.WriteAllText(path, text);
            var (_, engine) = Run(path, "", "linux/amd64", "linux/arm64", "linux/s390x");
            var uncoded = engine.Errors.Where(e => e.Code is null || !e.Code.StartsWith("MULTIARCH2", StringComparison.Ordinal)).ToList();
            Assert.AreEqual(0, uncoded.Count, $"iteration {i}: {string.Join("\n", uncoded.Select(e => e.Code + " " + e.Message))}\n--- input\n{text}");
        }
    }
}
