using System.Reflection;
using System.Runtime.Versioning;
using MultiArch.Build.Tasks;

namespace MultiArch.Build.Tests.Unit.Diagnostics;

/// <summary>
/// The task assembly must load in the MSBuild of the .NET 8, 9 and 10 SDKs: it targets the oldest runtime
/// (net8.0) and compiles against MSBuild's stable assembly identity, whatever MSBuild version runs it.
/// </summary>
[TestClass]
public sealed class TaskAssemblyTests
{
    private static readonly Assembly Tasks = typeof(ResolveContainerPlatforms).Assembly;

    [TestMethod]
    public void Targets_net8_so_every_supported_sdk_can_load_it()
    {
        Assert.AreEqual(".NETCoreApp,Version=v8.0", Tasks.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName);
        foreach (var reference in Tasks.GetReferencedAssemblies().Where(r => r.Name is "System.Runtime" or "netstandard"))
        {
            Assert.IsTrue(reference.Version!.Major <= 8, $"{reference.Name} {reference.Version}");
        }
    }

    [TestMethod]
    public void References_msbuild_by_its_stable_identity_and_nothing_newer()
    {
        var msbuild = Tasks.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("Microsoft.Build", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(msbuild.Count >= 2);
        Assert.IsTrue(msbuild.All(r => r.Version == new Version(15, 1, 0, 0)), string.Join(", ", msbuild));
    }

    [TestMethod]
    public void Every_task_is_cancelable_and_named_in_the_targets()
    {
        // The pipeline's targets file and the files it imports (MultiArch.Build.Config.targets, ...).
        var targets = string.Concat(Directory.GetFiles(Path.Combine(Infrastructure.Repository.Root, "src", "MultiArch.Build", "build"), "*.targets").Order(StringComparer.Ordinal).Select(File.ReadAllText));
        foreach (var task in Tasks.GetTypes().Where(t => t.IsClass && !t.IsAbstract && typeof(Microsoft.Build.Utilities.Task).IsAssignableFrom(t)))
        {
            Assert.IsTrue(typeof(Microsoft.Build.Framework.ICancelableTask).IsAssignableFrom(task), task.Name);
            StringAssert.Contains(targets, $"<UsingTask TaskName=\"{task.FullName}\"", task.Name);
        }
    }
}
