using System.Reflection;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>
/// Every property and item the targets pass to a task, fuzzed through the real task (random, empty, huge,
/// unicode, path-like values, one parameter at a time on top of a valid setup): a bad value is a coded
/// diagnostic, never MULTIARCH9001, never a stack trace, never an exception out of Execute. The setups fail
/// fast without a network (a closed loopback port, a missing Dockerfile), so the whole run takes seconds.
/// </summary>
[TestClass]
public sealed class TaskInputFuzzTests
{
    private static readonly string Work = TestDirectories.Create("fuzz");

    /// <summary>The values each parameter gets: a fixed hostile set plus seeded random text.</summary>
    private static IReadOnlyList<string> Values()
    {
        var random = new Random(20240610);
        string Random(int length, int maxChar) => new(Enumerable.Range(0, length).Select(_ => (char)random.Next(1, maxChar)).ToArray());
        return
        [
            "",
            " \t\r\n ",
            ";;;",
            ",;, ;",
            new string('a', 70_000),
            string.Concat(Enumerable.Repeat("linux/arm64;", 5000)),
            "Übergröße-ﬁ-日本語-😀-\u202e-\u0000",
            "../../../../etc/passwd",
            "./missing.tar",
            "/",
            "C:\\Program Files\\x",
            "~/x",
            "$(Property)@(Item)%(Meta)%3B%25",
            "http://",
            "https://[::1]:99999/x",
            "--help",
            "-rf",
            "a=b=c,d==e;f=",
            "=",
            "linux/arm64/v8/extra",
            "sha256:" + new string('0', 64),
            "@sha256:zz",
            Random(64, 127),
            Random(300, 0xD7FF),
        ];
    }

    private static ITaskItem[] Items(params string[] specs) => specs.Select(s => (ITaskItem)new TaskItem(s)).ToArray();

    private static TaskItem FuzzItem(string value)
    {
        // An item spec may not be empty in MSBuild: an empty value becomes a blank one.
        var item = new TaskItem(value.Length == 0 ? " " : value);
        foreach (var name in new[] { "Value", "Source", "Environment", "Os", "Architecture", "Variant", "RuntimeIdentifier", "Version" })
        {
            item.SetMetadata(name, value);
        }

        return item;
    }

    /// <summary>A setup per task that is valid but ends fast and offline.</summary>
    private static MultiArchTask Setup(Type type)
    {
        var dockerfile = Path.Combine(Work, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM scratch\nCOPY app /app\n");
        MultiArchTask task = type.Name switch
        {
            nameof(ResolveContainerPlatforms) => new ResolveContainerPlatforms { ContainerPlatforms = "linux/amd64" },
            nameof(CheckDockerfile) => new CheckDockerfile { Dockerfile = dockerfile, Platforms = Items("linux/amd64", "linux/arm64"), NativePlatforms = "linux/amd64" },
            // podman's preflight reads files only; the registry is a closed loopback port.
            nameof(PreflightContainerBuild) => new PreflightContainerBuild { Cli = "podman", Platforms = Items("linux/amd64"), Output = "archive", RegistryTimeout = "1" },
            // docker buildx build of a missing Dockerfile: fails at once (and at once without buildx).
            nameof(BuildContainerImage) => new BuildContainerImage
            {
                Cli = "docker", Platforms = Items("linux/amd64"), Dockerfile = Path.Combine(Work, "missing", "Dockerfile"), Context = Work,
                Repository = "fuzz", IntermediateDirectory = Path.Combine(Work, "obj"), RegistryTimeout = "1",
            },
            nameof(ValidateContainerImage) => new ValidateContainerImage { Image = "127.0.0.1:1/fuzz:v1", ExpectedPlatforms = Items("linux/amd64"), RegistryTimeout = "1", ReportPath = Path.Combine(Work, "report.json") },
            nameof(TagContainerImage) => new TagContainerImage { Image = "127.0.0.1:1/fuzz@sha256:" + new string('a', 64), Tags = Items("v1"), RegistryTimeout = "1" },
            nameof(ResolveContainerConfig) => new ResolveContainerConfig { ProjectName = "Fuzz.App", ImageTag = "v1" },
            nameof(GenerateContainerDockerfile) => new GenerateContainerDockerfile
            {
                OutputPath = Path.Combine(Work, "gen", "Dockerfile"), AssemblyName = "Fuzz", TargetFileName = "Fuzz.dll", TargetFrameworkVersion = "v10.0",
                FrameworkReferences = Items("Microsoft.NETCore.App"), RuntimeIdentifiers = "linux-x64",
            },
            nameof(StagePublishOutput) => new StagePublishOutput { Platforms = [PublishedPlatform()], Destination = Path.Combine(Work, "stage") },
            nameof(GenerateNodeAffinity) => new GenerateNodeAffinity { Platforms = Items("linux/amd64"), PatchPath = Path.Combine(Work, "config", "patch.yaml") },
            // A merge of one reference by digest in a closed loopback port: fails at once.
            nameof(MergeContainerImages) => new MergeContainerImages { InputList = "127.0.0.1:1/fuzz@sha256:" + new string('b', 64), ExpectedPlatforms = Items("linux/amd64"), Registry = "127.0.0.1:1", Repository = "fuzz" },
            // A pack looked up in an empty package folder: files only.
            nameof(CheckRuntimePacks) => new CheckRuntimePacks { Packs = Items("Microsoft.NETCore.App.Host.linux-arm64"), PackageRoot = Path.Combine(Work, "packages") },
            // FROM scratch names no base image: nothing is asked of a registry.
            nameof(ResolveContainerBaseImage) => new ResolveContainerBaseImage { Dockerfile = dockerfile, Platforms = Items("linux/amd64"), RegistryTimeout = "1" },
            nameof(WriteContainerImageRecord) => new WriteContainerImageRecord { Image = "127.0.0.1:1/fuzz@sha256:" + new string('c', 64), Platforms = Items("linux/amd64"), RecordPath = Path.Combine(Work, "record", "image-record.json"), Output = "push" },
            _ => throw new ArgumentException(type.Name),
        };
        task.ProjectFullPath = Path.Combine(Work, "app.csproj");
        return task;
    }

    /// <summary>A platform whose publish output is a real folder with one file.</summary>
    private static TaskItem PublishedPlatform()
    {
        var publish = Path.Combine(Work, "publish");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "Fuzz.dll"), "IL");
        var item = new TaskItem("linux/amd64");
        item.SetMetadata("Os", "linux");
        item.SetMetadata("Architecture", "amd64");
        item.SetMetadata("PublishDir", publish);
        return item;
    }

    public static IEnumerable<object[]> TaskTypes()
        => typeof(MultiArchTask).Assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && t.IsSubclassOf(typeof(MultiArchTask))).Select(t => new object[] { t.Name });

    [TestMethod]
    public void Every_task_is_fuzzed()
        => CollectionAssert.AreEquivalent(
            new[]
            {
                nameof(ResolveContainerPlatforms), nameof(CheckDockerfile), nameof(PreflightContainerBuild), nameof(BuildContainerImage), nameof(ValidateContainerImage), nameof(TagContainerImage),
                nameof(ResolveContainerConfig), nameof(GenerateContainerDockerfile), nameof(StagePublishOutput), nameof(GenerateNodeAffinity), nameof(MergeContainerImages), nameof(WriteContainerImageRecord),
                nameof(CheckRuntimePacks), nameof(ResolveContainerBaseImage),
            },
            TaskTypes().Select(t => (string)t[0]).ToArray(),
            "a new task needs a fuzz setup here");

    [TestMethod]
    [DynamicData(nameof(TaskTypes))]
    public void No_input_value_crashes_the_task(string taskName)
    {
        var type = typeof(MultiArchTask).Assembly.GetTypes().Single(t => t.Name == taskName);
        var inputs = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && (p.PropertyType == typeof(string) || p.PropertyType == typeof(ITaskItem[])))
            .Where(p => p.DeclaringType != typeof(Microsoft.Build.Utilities.Task))
            .ToList();
        Assert.IsTrue(inputs.Count > 0);
        var failures = new List<string>();
        var runs = 0;
        foreach (var input in inputs)
        {
            foreach (var value in Values())
            {
                var task = Setup(type);
                var engine = new RecordingBuildEngine();
                task.BuildEngine = engine;
                input.SetValue(task, input.PropertyType == typeof(string) ? value : new[] { FuzzItem(value), FuzzItem("linux/amd64") });
                runs++;
                try
                {
                    task.Execute();
                }
                catch (Exception ex)
                {
                    failures.Add($"{input.Name}={Show(value)}: Execute threw {ex.GetType().Name}: {ex.Message}");
                    continue;
                }

                foreach (var error in engine.Errors)
                {
                    if (error.Code is null or "MULTIARCH9001" || !error.Code.StartsWith("MULTIARCH", StringComparison.Ordinal) || (error.Message ?? string.Empty).Contains("   at ", StringComparison.Ordinal))
                    {
                        failures.Add($"{input.Name}={Show(value)}: {error.Code}: {error.Message}");
                    }
                }

                foreach (var warning in engine.Warnings.Where(w => (w.Message ?? string.Empty).Contains("   at ", StringComparison.Ordinal)))
                {
                    failures.Add($"{input.Name}={Show(value)}: warning with a stack trace: {warning.Message}");
                }
            }
        }

        Assert.AreEqual(0, failures.Count, $"{failures.Count} of {runs} runs of {taskName}:\n" + string.Join("\n", failures.Take(40)));
    }

    private static string Show(string value) => value.Length > 40 ? $"'{value[..40]}'... ({value.Length} chars)" : $"'{value}'";
}
