using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Targets;

/// <summary>
/// What the packed package declares and calls, read from the .nupkg itself against the task assembly: every
/// <c>UsingTask</c> loads under MSBuild 18 on .NET Framework (Visual Studio) only with
/// <c>Runtime="$(_MultiArchTaskRuntime)"</c>, and every call passes parameters the task has, all its required
/// ones, and the same registry settings (one registry session per build is keyed by them).
/// </summary>
[TestClass]
public sealed class UsingTaskTests
{
    private static readonly Assembly TaskAssembly = typeof(MultiArch.Build.Tasks.ResolveContainerPlatforms).Assembly;

    private static async Task<List<(string File, XDocument Document)>> PackedProjectFilesAsync()
    {
        using var zip = ZipFile.OpenRead(await PackageFeed.EnsurePackedAsync());
        return zip.Entries
            .Where(e => e.FullName.EndsWith(".targets", StringComparison.Ordinal) || e.FullName.EndsWith(".props", StringComparison.Ordinal))
            .Select(e =>
            {
                using var stream = e.Open();
                return (e.FullName, XDocument.Load(stream, LoadOptions.SetLineInfo));
            })
            .ToList();
    }

    private static Type TaskType(string name)
        => TaskAssembly.GetType(name) ?? throw new AssertFailedException($"{name} is not a type of the task assembly");

    private static string Where(string file, XElement element) => $"{file}:{((System.Xml.IXmlLineInfo)element).LineNumber}";

    [TestMethod]
    public async Task Every_UsingTask_names_a_task_of_the_assembly_with_the_task_runtime()
    {
        var files = await PackedProjectFilesAsync();
        var declared = files.SelectMany(f => f.Document.Descendants("UsingTask").Select(u => (f.File, UsingTask: u))).ToList();

        var tasks = TaskAssembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && typeof(ITask).IsAssignableFrom(t)).Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEquivalent(tasks, declared.Select(d => (string)d.UsingTask.Attribute("TaskName")!).ToList(), "each public task declared exactly once");
        foreach (var (file, usingTask) in declared)
        {
            var where = $"{usingTask.Attribute("TaskName")!.Value} at {Where(file, usingTask)}";
            Assert.AreEqual("$(_MultiArchTaskRuntime)", (string?)usingTask.Attribute("Runtime"), where);
            Assert.AreEqual("$(MultiArchBuildTasksAssembly)", (string?)usingTask.Attribute("AssemblyFile"), where);
            Assert.IsNull(usingTask.Attribute("AssemblyName"), where);
        }
    }

    [TestMethod]
    public async Task Every_task_call_passes_parameters_the_task_has_and_all_it_requires()
    {
        var calls = 0;
        foreach (var (file, document) in await PackedProjectFilesAsync())
        {
            foreach (var call in document.Descendants().Where(e => e.Name.LocalName.StartsWith("MultiArch.Build.Tasks.", StringComparison.Ordinal)))
            {
                calls++;
                var type = TaskType(call.Name.LocalName);
                var where = $"{type.Name} at {Where(file, call)}";
                var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
                foreach (var attribute in call.Attributes().Where(a => a.Name.LocalName is not ("Condition" or "ContinueOnError")))
                {
                    Assert.IsTrue(parameters.ContainsKey(attribute.Name.LocalName), $"{where}: {attribute.Name} is not a parameter of the task");
                }

                foreach (var required in parameters.Values.Where(p => p.GetCustomAttribute<RequiredAttribute>() is not null))
                {
                    Assert.IsNotNull(call.Attribute(required.Name), $"{where}: the required {required.Name} is not passed");
                }

                foreach (var output in call.Elements("Output"))
                {
                    var name = (string)output.Attribute("TaskParameter")!;
                    var property = type.GetProperty(name);
                    Assert.IsTrue(property?.GetCustomAttribute<OutputAttribute>() is not null, $"{where}: {name} is not an [Output] of the task");
                }

                // One registry session per build is keyed by the insecure registries and the time-out: every task that
                // reaches a registry takes both, from the same properties, or it opens a session of its own and
                // ignores ContainerRegistryTimeout.
                if (parameters.ContainsKey("InsecureRegistries") && call.Attribute("InsecureRegistries") is not null)
                {
                    Assert.IsTrue(parameters.ContainsKey("RegistryTimeout"), $"{type.Name} reaches registries but has no RegistryTimeout");
                    Assert.AreEqual("$(_MultiArchInsecureRegistries)", (string?)call.Attribute("InsecureRegistries"), where);
                    Assert.AreEqual("$(ContainerRegistryTimeout)", (string?)call.Attribute("RegistryTimeout"), $"{where}: ContainerRegistryTimeout not passed");
                }
            }
        }

        Assert.IsTrue(calls >= 14, $"only {calls} task calls found");
    }

    [TestMethod]
    public async Task The_insecure_registries_are_computed_once_inside_the_config_target()
    {
        var assignments = (await PackedProjectFilesAsync())
            .SelectMany(f => f.Document.Descendants("_MultiArchInsecureRegistries").Select(e => (f.File, Element: e)))
            .ToList();

        Assert.IsTrue(assignments.Count > 0);
        foreach (var (file, element) in assignments)
        {
            var target = element.Ancestors("Target").SingleOrDefault();
            Assert.AreEqual("_MultiArchComputeContainerConfig", (string?)target?.Attribute("Name"), $"{Where(file, element)} assigns _MultiArchInsecureRegistries outside the config target");
        }
    }
}
