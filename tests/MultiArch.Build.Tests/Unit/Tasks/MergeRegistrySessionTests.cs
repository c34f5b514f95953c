using System.Collections;
using System.Diagnostics;
using Microsoft.Build.Framework;
using MultiArch.Build.Tasks;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.Tasks;

/// <summary>
/// The merge path (MergeContainerImages, its validation, tags and record) honours ContainerRegistryTimeout and
/// shares the build's one registry session, as the build path does. The targets pass every registry task the same
/// two properties (UsingTaskTests); here the tasks, given those values, keep one session.
/// </summary>
[TestClass]
public sealed class MergeRegistrySessionTests
{
    private static readonly string AnyDigest = "sha256:" + new string('a', 64);

    [TestMethod]
    public async Task The_merge_stops_at_the_registry_timeout()
    {
        // Accepts the connection, never answers.
        await using var server = new HostileRegistry((_, _) => Task.Delay(TimeSpan.FromSeconds(40)));
        var engine = new TaskObjectEngine();
        var merge = new MergeContainerImages
        {
            BuildEngine = engine,
            InputList = $"{server.Host}/part@{AnyDigest}",
            Repository = "merged",
            InsecureRegistries = server.Host,
            RegistryTimeout = "1",
        };

        var watch = Stopwatch.StartNew();
        Assert.IsFalse(merge.Execute());

        CollectionAssert.Contains(engine.Recorded.ErrorCodes.ToList(), "MULTIARCH4014", engine.Recorded.AllText);
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed} with a 1 s time-out (the default is 60 s)");
    }

    [TestMethod]
    public async Task Merge_validation_tags_and_record_share_one_session()
    {
        await using var server = new HostileRegistry((_, _) => Task.Delay(TimeSpan.FromSeconds(40)));
        var engine = new TaskObjectEngine();
        var image = $"{server.Host}/merged@{AnyDigest}";

        // The values the targets pass: $(_MultiArchInsecureRegistries) and $(ContainerRegistryTimeout).
        var insecure = $"{server.Host};{server.Host}";
        const string timeout = "1";
        ITask[] tasks =
        [
            new MergeContainerImages { InputList = $"{server.Host}/part@{AnyDigest}", Repository = "merged", InsecureRegistries = insecure, RegistryTimeout = timeout },
            new ValidateContainerImage { Image = image, ExpectedPlatforms = [new Microsoft.Build.Utilities.TaskItem("linux/amd64")], InsecureRegistries = insecure, RegistryTimeout = timeout },
            new TagContainerImage { Image = image, Tags = [new Microsoft.Build.Utilities.TaskItem("v1")], InsecureRegistries = insecure, RegistryTimeout = timeout },
            new WriteContainerImageRecord { Image = image, RecordPath = Path.Combine(TestDirectories.Create("record"), "image-record.json"), Output = "push", InsecureRegistries = insecure, RegistryTimeout = timeout },
        ];
        foreach (var task in tasks)
        {
            task.BuildEngine = engine;
            Assert.IsFalse(task.Execute(), $"{task.GetType().Name} against a registry that never answers");
        }

        Assert.AreEqual(1, engine.Objects.Keys.OfType<string>().Count(k => k.StartsWith("MultiArch.Build.RegistrySession", StringComparison.Ordinal)), string.Join(", ", engine.Objects.Keys.OfType<string>()));
        Assert.AreEqual(tasks.Length, engine.Recorded.ErrorCodes.Count(c => c == "MULTIARCH4014"), engine.Recorded.AllText);
    }

    /// <summary>An engine that keeps registered task objects for the build, as MSBuild does.</summary>
    private sealed class TaskObjectEngine : IBuildEngine4
    {
        public RecordingBuildEngine Recorded { get; } = new();

        public Hashtable Objects { get; } = [];

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 0;

        public int ColumnNumberOfTaskNode => 0;

        public string ProjectFileOfTaskNode => "test.proj";

        public bool IsRunningMultipleNodes => false;

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs, string toolsVersion) => false;

        public bool BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties, IDictionary[] targetOutputsPerProject, string[] toolsVersion, bool useResultsCache, bool unloadProjectsOnCompletion) => false;

        public BuildEngineResult BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties, IList<string>[] removeGlobalProperties, string[] toolsVersion, bool returnTargetOutputs) => default;

        public void Yield()
        {
        }

        public void Reacquire()
        {
        }

        public void RegisterTaskObject(object key, object obj, RegisteredTaskObjectLifetime lifetime, bool allowEarlyCollection) => Objects[key] = obj;

        public object? GetRegisteredTaskObject(object key, RegisteredTaskObjectLifetime lifetime) => Objects[key];

        public object? UnregisterTaskObject(object key, RegisteredTaskObjectLifetime lifetime)
        {
            var value = Objects[key];
            Objects.Remove(key);
            return value;
        }

        public void LogCustomEvent(CustomBuildEventArgs e) => Recorded.LogCustomEvent(e);

        public void LogErrorEvent(BuildErrorEventArgs e) => Recorded.LogErrorEvent(e);

        public void LogMessageEvent(BuildMessageEventArgs e) => Recorded.LogMessageEvent(e);

        public void LogWarningEvent(BuildWarningEventArgs e) => Recorded.LogWarningEvent(e);
    }
}
