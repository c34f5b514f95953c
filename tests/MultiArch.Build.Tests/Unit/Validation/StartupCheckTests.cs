using System.Text;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Images;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Tests.Infrastructure;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>
/// The start-up check on exact ELF files in real tar layers: each way a container fails to start, and each
/// search rule of the dynamic linkers that makes a library found.
/// </summary>
[TestClass]
public sealed class StartupCheckTests
{
    private const string GlibcLoader = "/lib/ld-linux-aarch64.so.1";
    private const string MuslLoader = "/lib/ld-musl-aarch64.so.1";
    private const int ReadOnly = 0b110_100_100;

    private static readonly OciPlatform Arm64 = OciPlatform.Parse("linux/arm64");

    private static TestFile[] Layer(params TestFile[] files) => files;

    private static byte[] Program(params string[] needed) => TestElf.Build(TestElf.Aarch64, GlibcLoader, needed);

    private static byte[] Lib(string soname, ushort machine = TestElf.Aarch64, params string[] needed) => TestElf.Build(machine, needed: needed, soName: soname);

    /// <summary>glibc's loader and libc.so.6 laid out as Debian ships them (multiarch directory, /lib symlink).</summary>
    private static TestFile[] Glibc(ushort machine = TestElf.Aarch64) =>
    [
        new("lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", TestElf.Build(machine, soName: "ld-linux-aarch64.so.1")),
        new("lib/ld-linux-aarch64.so.1", null, "aarch64-linux-gnu/ld-linux-aarch64.so.1"),
        new("lib/aarch64-linux-gnu/libc.so.6", TestElf.Build(machine, needed: ["ld-linux-aarch64.so.1"], soName: "libc.so.6")),
    ];

    private static TestFile[] Musl() =>
    [
        new("lib/aarch64-linux-musl/libc.so", TestElf.Build(TestElf.Aarch64, soName: "libc.so")),
        new("lib/ld-musl-aarch64.so.1", null, "aarch64-linux-musl/libc.so"),
    ];

    private static async Task<(StartupResult Result, IReadOnlyList<Diagnostic> Diagnostics)> Check(string[] entrypoint, string[]? env, params TestFile[][] layers)
    {
        var fs = new ImageFilesystem { ReadLinkerFiles = true };
        foreach (var files in layers)
        {
            await fs.ApplyLayerAsync(new MemoryStream(TestImages.Layer(files).Content), gzip: true, default);
        }

        var config = new ImageConfig("linux", "arm64", null, entrypoint, [], "/", env ?? ["PATH=/usr/bin:/bin"], []);
        var analysis = StartupCheck.Analyze(EntrypointResolver.Resolve(config, fs), fs, config);
        return (analysis.ResultFor(Arm64), analysis.DiagnosticsFor(Arm64));
    }

    private static void AssertOnly(IReadOnlyList<Diagnostic> diagnostics, string code, params string[] mentions)
    {
        var problems = diagnostics.Where(d => d.Severity != DiagnosticSeverity.Message).ToList();
        Assert.AreEqual(1, problems.Count, string.Join("\n", problems));
        Assert.AreEqual(code, problems[0].Code, problems[0].ToString());
        foreach (var mention in mentions)
        {
            StringAssert.Contains(problems[0].Message, mention);
        }

        StringAssert.StartsWith(problems[0].Message, "linux/arm64:");
    }

    [TestMethod]
    public async Task A_glibc_program_with_its_c_library_can_start()
    {
        var (result, diagnostics) = await Check(["/usr/bin/app"], null, Glibc(), [new("usr/bin/app", Program("libc.so.6"))]);

        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        Assert.AreEqual("/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", result.Interpreter);
        CollectionAssert.AreEqual(new[] { "libc.so.6 => /lib/aarch64-linux-gnu/libc.so.6" }, result.Libraries.ToArray());
        Assert.IsTrue(diagnostics.All(d => d.Severity == DiagnosticSeverity.Message));
    }

    [TestMethod]
    public async Task Without_its_c_library_the_missing_interpreter_is_named()
    {
        var (result, diagnostics) = await Check(["/usr/bin/app"], null, Layer(new TestFile("usr/bin/app", Program("libc.so.6"))));

        Assert.AreEqual(StartupVerdict.Fails, result.Verdict);
        AssertOnly(diagnostics, "MULTIARCH5020", "/usr/bin/app", GlibcLoader);
    }

    [TestMethod]
    public async Task A_glibc_program_on_a_musl_image_is_named_as_such()
    {
        var (_, diagnostics) = await Check(["/usr/bin/app"], null, Musl(), [new("usr/bin/app", Program("libc.so.6"))]);
        AssertOnly(diagnostics, "MULTIARCH5021", "glibc", GlibcLoader, MuslLoader);
    }

    [TestMethod]
    public async Task A_musl_program_on_a_glibc_image_is_named_as_such()
    {
        var app = TestElf.Build(TestElf.Aarch64, MuslLoader, ["libc.so"]);
        var (_, diagnostics) = await Check(["/usr/bin/app"], null, Glibc(), [new("usr/bin/app", app)]);
        AssertOnly(diagnostics, "MULTIARCH5022", "musl", MuslLoader, GlibcLoader);
    }

    [TestMethod]
    public async Task A_musl_program_finds_its_libraries_through_the_path_file_and_libc_answers_for_itself()
    {
        var app = TestElf.Build(TestElf.Aarch64, MuslLoader, ["libc.so", "libpthread.so.0", "libfoo.so.1"]);
        var (result, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Musl(),
            [new("etc/ld-musl-aarch64.path", Encoding.ASCII.GetBytes("/lib\n/opt/musl/lib:/usr/lib\n"), Mode: ReadOnly), new("opt/musl/lib/libfoo.so.1", Lib("libfoo.so.1"), Mode: ReadOnly)],
            [new("usr/bin/app", app)]);

        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        CollectionAssert.AreEqual(new[] { "libfoo.so.1 => /opt/musl/lib/libfoo.so.1" }, result.Libraries.ToArray());
    }

    [TestMethod]
    public async Task A_musl_program_without_a_path_file_searches_only_the_default_directories()
    {
        var app = TestElf.Build(TestElf.Aarch64, MuslLoader, ["libfoo.so.1"]);
        var (_, diagnostics) = await Check(["/usr/bin/app"], null, Musl(), [new("opt/musl/lib/libfoo.so.1", Lib("libfoo.so.1")), new("usr/bin/app", app)]);
        AssertOnly(diagnostics, "MULTIARCH5024", "libfoo.so.1", "/usr/bin/app", "/lib:/usr/local/lib:/usr/lib");
    }

    [TestMethod]
    public async Task An_interpreter_for_another_machine_is_an_error()
    {
        var (_, diagnostics) = await Check(["/usr/bin/app"], null, Glibc(TestElf.X86_64), [new("usr/bin/app", Program("libc.so.6"))]);
        AssertOnly(diagnostics, "MULTIARCH5023", GlibcLoader, "x86-64", "aarch64");
    }

    [TestMethod]
    public async Task A_missing_library_names_itself_and_who_needs_it_even_deep_in_the_tree()
    {
        var (_, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Glibc(),
            [new("usr/lib/aarch64-linux-gnu/libfoo.so.1", Lib("libfoo.so.1", TestElf.Aarch64, "libbar.so.2", "libc.so.6"), Mode: ReadOnly), new("usr/bin/app", Program("libfoo.so.1", "libc.so.6"))]);
        AssertOnly(diagnostics, "MULTIARCH5024", "libbar.so.2", "needed by /usr/lib/aarch64-linux-gnu/libfoo.so.1", "/usr/lib/aarch64-linux-gnu");
    }

    [TestMethod]
    public async Task A_library_only_for_another_machine_is_named_with_what_it_is()
    {
        var (_, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Glibc(),
            [new("usr/lib/libz.so.1", Lib("libz.so.1", TestElf.X86_64)), new("usr/bin/app", Program("libz.so.1", "libc.so.6"))]);
        AssertOnly(diagnostics, "MULTIARCH5025", "libz.so.1", "/usr/lib/libz.so.1 (ELF 64-bit LSB x86-64)");
    }

    [TestMethod]
    public async Task A_library_of_another_machine_earlier_in_the_search_order_is_skipped_as_the_linker_skips_it()
    {
        var (result, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Glibc(),
            [new("lib/aarch64-linux-gnu/libz.so.1", Lib("libz.so.1", TestElf.X86_64)), new("usr/lib/libz.so.1", Lib("libz.so.1")), new("usr/bin/app", Program("libz.so.1", "libc.so.6"))]);
        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        CollectionAssert.Contains(result.Libraries.ToArray(), "libz.so.1 => /usr/lib/libz.so.1");
    }

    [TestMethod]
    public async Task Runpath_with_origin_finds_libraries_beside_the_program()
    {
        var app = TestElf.Build(TestElf.Aarch64, GlibcLoader, ["libapp.so", "libc.so.6"], runPath: ["$ORIGIN/../lib"]);
        var (result, diagnostics) = await Check(["/opt/app/bin/app"], null, Glibc(), [new("opt/app/lib/libapp.so", Lib("libapp.so")), new("opt/app/bin/app", app)]);
        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        CollectionAssert.Contains(result.Libraries.ToArray(), "libapp.so => /opt/app/lib/libapp.so");
    }

    [TestMethod]
    public async Task Rpath_is_ignored_by_glibc_when_the_object_has_a_runpath()
    {
        var app = TestElf.Build(TestElf.Aarch64, GlibcLoader, ["libapp.so", "libc.so.6"], runPath: ["/nowhere"], rPath: ["/opt/app/lib"]);
        var (_, diagnostics) = await Check(["/opt/app/bin/app"], null, Glibc(), [new("opt/app/lib/libapp.so", Lib("libapp.so")), new("opt/app/bin/app", app)]);
        AssertOnly(diagnostics, "MULTIARCH5024", "libapp.so");
    }

    [TestMethod]
    public async Task Ld_library_path_comes_from_the_image_config()
    {
        TestFile[] files = [new("srv/lib/libapp.so", Lib("libapp.so")), new("usr/bin/app", Program("libapp.so", "libc.so.6"))];

        var (with, _) = await Check(["/usr/bin/app"], ["PATH=/usr/bin", "LD_LIBRARY_PATH=/srv/lib"], Glibc(), files);
        var (without, diagnostics) = await Check(["/usr/bin/app"], null, Glibc(), files);

        Assert.AreEqual(StartupVerdict.Ready, with.Verdict);
        AssertOnly(diagnostics, "MULTIARCH5024", "libapp.so");
    }

    [TestMethod]
    public async Task Ld_so_conf_and_its_includes_add_directories()
    {
        TestFile[] conf =
        [
            new("etc/ld.so.conf", Encoding.ASCII.GetBytes("# comment\ninclude /etc/ld.so.conf.d/*.conf\n"), Mode: ReadOnly),
            new("etc/ld.so.conf.d/custom.conf", Encoding.ASCII.GetBytes("/opt/custom/lib\n"), Mode: ReadOnly),
        ];
        TestFile[] files = [new("opt/custom/lib/libapp.so", Lib("libapp.so")), new("usr/bin/app", Program("libapp.so", "libc.so.6"))];

        var (with, diagnostics) = await Check(["/usr/bin/app"], null, Glibc(), conf, files);
        var (_, without) = await Check(["/usr/bin/app"], null, Glibc(), files);

        Assert.AreEqual(StartupVerdict.Ready, with.Verdict, string.Join("\n", diagnostics));
        AssertOnly(without, "MULTIARCH5024", "libapp.so");
    }

    [TestMethod]
    public async Task A_library_removed_by_a_whiteout_in_a_later_layer_is_missing()
    {
        var (_, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Glibc(),
            [new("usr/lib/aarch64-linux-gnu/libz.so.1.2.13", Lib("libz.so.1"), Mode: ReadOnly), new("usr/lib/aarch64-linux-gnu/libz.so.1", null, "libz.so.1.2.13"), new("usr/bin/app", Program("libz.so.1", "libc.so.6"))],
            [new("usr/lib/aarch64-linux-gnu/.wh.libz.so.1.2.13", [])]);
        AssertOnly(diagnostics, "MULTIARCH5024", "libz.so.1", "/usr/bin/app");
    }

    [TestMethod]
    public async Task A_static_binary_needs_nothing()
    {
        var (result, diagnostics) = await Check(["/bin/tool"], null, Layer(new TestFile("bin/tool", TestElf.Build(TestElf.Aarch64, dynamic: false))));
        Assert.AreEqual(StartupVerdict.Static, result.Verdict);
        Assert.IsTrue(diagnostics.All(d => d.Severity == DiagnosticSeverity.Message));
    }

    [TestMethod]
    [DataRow("#!/bin/bash\necho hi\n", "/bin/bash")]
    [DataRow("#!/usr/bin/env python3\nprint(1)\n", "python3")]
    public async Task A_script_whose_interpreter_is_absent_cannot_start(string script, string interpreter)
    {
        var (result, diagnostics) = await Check(["/app/run.sh"], null, Layer(new TestFile("usr/bin/env", Program()), new("app/run.sh", Encoding.ASCII.GetBytes(script))));
        Assert.AreEqual(StartupVerdict.Fails, result.Verdict);
        AssertOnly(diagnostics, "MULTIARCH5026", "/app/run.sh", interpreter);
    }

    [TestMethod]
    public async Task A_script_interpreter_is_itself_checked()
    {
        var (result, diagnostics) = await Check(["/app/run.sh"], null, Layer(new TestFile("bin/sh", Program("libc.so.6")), new("app/run.sh", Encoding.ASCII.GetBytes("#!/bin/sh\necho hi\n"))));
        Assert.AreEqual("/bin/sh", result.Program);
        AssertOnly(diagnostics, "MULTIARCH5020", "/bin/sh", GlibcLoader);
    }

    [TestMethod]
    public async Task A_missing_or_unrunnable_entrypoint_is_an_error()
    {
        var (_, missing) = await Check(["app"], null, Layer(new TestFile("usr/bin/other", Program())));
        AssertOnly(missing, "MULTIARCH5027", "'app'", "PATH=/usr/bin:/bin");

        var (_, notExecutable) = await Check(["/usr/bin/app"], null, Layer(new TestFile("usr/bin/app", Program(), Mode: ReadOnly)));
        AssertOnly(notExecutable, "MULTIARCH5028", "/usr/bin/app", "execute permission");
    }

    [TestMethod]
    public async Task A_glibc_program_finds_libraries_in_the_default_multiarch_and_plain_directories()
    {
        var (result, diagnostics) = await Check(
            ["/usr/bin/app"],
            null,
            Glibc(),
            [new("usr/lib/aarch64-linux-gnu/liba.so.1", Lib("liba.so.1")), new("usr/lib/libb.so.1", Lib("libb.so.1")), new("lib64/libc64.so", Lib("libc64.so")), new("usr/bin/app", Program("liba.so.1", "libb.so.1", "libc64.so", "libc.so.6"))]);
        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        Assert.AreEqual(4, result.Libraries.Count);
    }

    [TestMethod]
    public async Task A_self_contained_dotnet_app_has_its_runtime_libraries_checked_too()
    {
        var (_, diagnostics) = await Check(
            ["/app/myapp"],
            null,
            Glibc(),
            Layer(
                new TestFile("app/myapp", Program("libc.so.6")),
                new TestFile("app/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libstdc++.so.6", "libc.so.6"), Mode: ReadOnly),
                new TestFile("app/libSystem.Native.so", Lib("libSystem.Native.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly)));
        AssertOnly(diagnostics, "MULTIARCH5024", "libstdc++.so.6", "needed by /app/libcoreclr.so");
    }

    /// <summary>
    /// A .NET install laid out as the official images have it (host/fxr/&lt;v&gt;/libhostfxr.so, shared/&lt;fx&gt;/&lt;v&gt;/ with the
    /// framework's own runtimeconfig), under <paramref name="root"/>; <paramref name="aspnet"/> adds ASP.NET Core.
    /// </summary>
    private static TestFile[] DotnetInstall(string root = "usr/share/dotnet", string version = "10.0.12", string? aspnet = null, bool muxer = false)
    {
        var files = new List<TestFile>
        {
            new($"{root}/host/fxr/{version}/libhostfxr.so", Lib("libhostfxr.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly),
            new($"{root}/shared/Microsoft.NETCore.App/{version}/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly),
            new($"{root}/shared/Microsoft.NETCore.App/{version}/libhostpolicy.so", Lib("libhostpolicy.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly),
            new($"{root}/shared/Microsoft.NETCore.App/{version}/Microsoft.NETCore.App.runtimeconfig.json", Encoding.UTF8.GetBytes("{\"runtimeOptions\": {\"tfm\": \"net10.0\"}}"), Mode: ReadOnly),
        };
        if (aspnet is not null)
        {
            files.Add(new($"{root}/shared/Microsoft.AspNetCore.App/{aspnet}/Microsoft.AspNetCore.App.runtimeconfig.json", Encoding.UTF8.GetBytes(RuntimeConfig("LatestPatch", ("Microsoft.NETCore.App", aspnet))), Mode: ReadOnly));
        }

        if (muxer)
        {
            files.Add(new($"{root}/dotnet", Program("libc.so.6")));
            files.Add(new("usr/bin/dotnet", null, $"/{root}/dotnet"));
        }

        return [.. files];
    }

    /// <summary>A runtimeconfig.json as the SDK writes it (one framework as "framework", several as "frameworks").</summary>
    private static string RuntimeConfig(string? rollForward, params (string Name, string Version)[] frameworks)
    {
        var refs = frameworks.Select(f => $"{{\"name\": \"{f.Name}\", \"version\": \"{f.Version}\"}}").ToList();
        var body = refs.Count == 1 ? $"\"framework\": {refs[0]}" : $"\"frameworks\": [{string.Join(", ", refs)}]";
        var roll = rollForward is null ? string.Empty : $"\"rollForward\": \"{rollForward}\", ";
        return $"{{\n  \"runtimeOptions\": {{\n    \"tfm\": \"net10.0\", {roll}{body},\n    \"configProperties\": {{\"System.GC.Server\": true}}\n  }}\n}}";
    }

    /// <summary>A framework-dependent app with its apphost, as `dotnet publish -r linux-arm64 --self-contained false` leaves it in /app.</summary>
    private static TestFile[] FrameworkDependentApp(string runtimeConfig) =>
    [
        new("app/myapp", Program("libc.so.6", "libstdc++.so.6")),
        new("app/myapp.dll", [0x4d, 0x5a], Mode: ReadOnly),
        new("app/myapp.runtimeconfig.json", Encoding.UTF8.GetBytes(runtimeConfig), Mode: ReadOnly),
    ];

    private static TestFile[] Libstdcxx() => [new("usr/lib/aarch64-linux-gnu/libstdc++.so.6", Lib("libstdc++.so.6"), Mode: ReadOnly)];

    [TestMethod]
    public async Task A_framework_dependent_apphost_on_a_base_without_dotnet_is_refused_naming_the_host_and_the_fix()
    {
        var (result, diagnostics) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0"))));

        Assert.AreEqual(StartupVerdict.Fails, result.Verdict);
        AssertOnly(diagnostics, "MULTIARCH5030", "/app/myapp", "/usr/share/dotnet", "the default location", "SelfContained=true", "dotnet/runtime");
    }

    [TestMethod]
    public async Task A_framework_dependent_apphost_resolves_hostfxr_and_the_latest_patch_of_its_framework()
    {
        var (result, diagnostics) = await Check(
            ["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall(version: "10.0.3"), DotnetInstall(version: "10.0.12"), DotnetInstall(version: "11.0.1"),
            FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0"))));

        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
        var resolved = diagnostics.Single(d => d.Message.Contains("the .NET host of", StringComparison.Ordinal)).Message;
        StringAssert.Contains(resolved, "/usr/share/dotnet/host/fxr/11.0.1/libhostfxr.so");
        StringAssert.Contains(resolved, "Microsoft.NETCore.App 10.0.12 (asks 10.0.0, rollForward Minor)");
        CollectionAssert.Contains(result.Libraries.ToArray(), "libc.so.6 => /lib/aarch64-linux-gnu/libc.so.6");
    }

    [TestMethod]
    public async Task An_aspnet_app_on_a_runtime_only_base_is_refused_naming_the_framework_version_and_the_aspnet_image()
    {
        var (_, diagnostics) = await Check(
            ["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall(),
            FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0"), ("Microsoft.AspNetCore.App", "10.0.0"))));

        AssertOnly(diagnostics, "MULTIARCH5031", "Microsoft.AspNetCore.App 10.0.0", "rollForward Minor", "/usr/share/dotnet/shared/Microsoft.AspNetCore.App has nothing", "dotnet/aspnet:10.0", "SelfContained=true");
    }

    [TestMethod]
    public async Task An_aspnet_app_on_an_aspnet_base_resolves_both_frameworks_and_aspnets_own_reference()
    {
        var app = FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.AspNetCore.App", "10.0.0")));
        var (ready, diagnostics) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall(aspnet: "10.0.12"), app);
        Assert.AreEqual(StartupVerdict.Ready, ready.Verdict, string.Join("\n", diagnostics));
        StringAssert.Contains(string.Join("\n", diagnostics), "Microsoft.AspNetCore.App 10.0.12 (asks 10.0.0, rollForward Minor), Microsoft.NETCore.App 10.0.12 (asks 10.0.12, rollForward LatestPatch)");

        // ASP.NET Core 10.0.12 asks for Microsoft.NETCore.App 10.0.12 (LatestPatch): an older core runtime beside it does not do.
        TestFile[] mismatched = [.. DotnetInstall(version: "10.0.5").Where(f => !f.Path.Contains("Microsoft.AspNetCore.App", StringComparison.Ordinal)), .. DotnetInstall(version: "10.0.5", aspnet: "10.0.12").Where(f => f.Path.Contains("Microsoft.AspNetCore.App", StringComparison.Ordinal))];
        var (_, refused) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), mismatched, app);
        AssertOnly(refused, "MULTIARCH5031", "Microsoft.NETCore.App 10.0.12 (rollForward LatestPatch)", "has 10.0.5");
    }

    [TestMethod]
    public async Task DOTNET_ROOT_of_the_image_is_where_the_apphost_looks_and_nowhere_else()
    {
        var app = FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0")));
        var (ready, found) = await Check(["/app/myapp"], ["PATH=/usr/bin:/bin", "DOTNET_ROOT=/opt/dotnet/"], Glibc(), Libstdcxx(), DotnetInstall("opt/dotnet"), app);
        Assert.AreEqual(StartupVerdict.Ready, ready.Verdict, string.Join("\n", found));
        StringAssert.Contains(string.Join("\n", found), "/opt/dotnet/host/fxr/10.0.12/libhostfxr.so; Microsoft.NETCore.App 10.0.12");
        StringAssert.Contains(string.Join("\n", found), ".NET root /opt/dotnet, from DOTNET_ROOT");

        // Set but empty of .NET: the host does not fall back to the default location.
        var (_, refused) = await Check(["/app/myapp"], ["DOTNET_ROOT=/opt/empty"], Glibc(), Libstdcxx(), DotnetInstall(), app);
        AssertOnly(refused, "MULTIARCH5030", "/opt/empty", "DOTNET_ROOT (image environment)");

        // The architecture's own variable comes first.
        var (arch, archFound) = await Check(["/app/myapp"], ["DOTNET_ROOT=/opt/empty", "DOTNET_ROOT_ARM64=/opt/dotnet"], Glibc(), Libstdcxx(), DotnetInstall("opt/dotnet"), app);
        Assert.AreEqual(StartupVerdict.Ready, arch.Verdict, string.Join("\n", archFound));
    }

    [TestMethod]
    public async Task The_registered_install_location_is_followed_as_distribution_packages_register_usr_lib_dotnet()
    {
        var app = FrameworkDependentApp(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0")));
        TestFile[] registered = [new("etc/dotnet/install_location_arm64", "/usr/lib/dotnet\n"u8.ToArray(), Mode: ReadOnly)];
        var (ready, diagnostics) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall("usr/lib/dotnet"), registered, app);
        Assert.AreEqual(StartupVerdict.Ready, ready.Verdict, string.Join("\n", diagnostics));
        StringAssert.Contains(string.Join("\n", diagnostics), "/etc/dotnet/install_location_arm64");

        var (_, unregistered) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall("usr/lib/dotnet"), app);
        AssertOnly(unregistered, "MULTIARCH5030", "/usr/share/dotnet");
    }

    [TestMethod]
    public async Task A_self_contained_apphost_needs_no_installed_runtime()
    {
        var (result, diagnostics) = await Check(
            ["/app/myapp"], null, Glibc(), Libstdcxx(),
            [.. FrameworkDependentApp("{\"runtimeOptions\": {\"tfm\": \"net10.0\", \"includedFrameworks\": [{\"name\": \"Microsoft.NETCore.App\", \"version\": \"10.0.12\"}]}}"),
             new("app/libhostfxr.so", Lib("libhostfxr.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly),
             new("app/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly)]);
        Assert.AreEqual(StartupVerdict.Ready, result.Verdict, string.Join("\n", diagnostics));
    }

    [TestMethod]
    public async Task A_framework_dependent_app_started_by_dotnet_checks_the_runtime_it_resolves()
    {
        TestFile[] runtime =
        [
            .. DotnetInstall(version: "8.0.2", muxer: true),
            new("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.1/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libstdc++.so.6", "libc.so.6"), Mode: ReadOnly),
            new("app/app.dll", [0x4d, 0x5a], Mode: ReadOnly),
            new("app/app.runtimeconfig.json", Encoding.UTF8.GetBytes(RuntimeConfig(null, ("Microsoft.NETCore.App", "10.0.0"))), Mode: ReadOnly),
        ];

        var (without, missing) = await Check(["dotnet", "/app/app.dll"], null, Glibc(), runtime);
        var (with, _) = await Check(["dotnet", "/app/app.dll"], null, Glibc(), runtime, Libstdcxx());

        AssertOnly(missing, "MULTIARCH5024", "libstdc++.so.6", "needed by /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.1/libcoreclr.so");
        Assert.AreEqual(StartupVerdict.Fails, without.Verdict);
        Assert.AreEqual(StartupVerdict.Ready, with.Verdict);

        var (_, noApp) = await Check(["dotnet", "/app/other.dll"], null, Glibc(), runtime, Libstdcxx());
        AssertOnly(noApp, "MULTIARCH5032", "/app/other.dll");
    }

    [TestMethod]
    public async Task A_runtimeconfig_that_is_not_json_is_a_warning_not_a_verdict()
    {
        var (result, diagnostics) = await Check(["/app/myapp"], null, Glibc(), Libstdcxx(), DotnetInstall(), FrameworkDependentApp("{ not json"));
        Assert.AreEqual(StartupVerdict.Undetermined, result.Verdict);
        AssertOnly(diagnostics, "MULTIARCH5033", "/app/myapp.runtimeconfig.json");
    }

    [TestMethod]
    [DataRow("Minor", "10.0.0", "10.0.3;10.0.12;10.1.4;11.0.0", "10.0.12")]
    [DataRow("Minor", "10.0.0", "10.1.4;10.1.9;10.2.0;11.0.0", "10.1.9")]
    [DataRow("Minor", "10.0.0", "9.0.5;11.0.0", null)]
    [DataRow("LatestPatch", "10.0.0", "10.1.4", null)]
    [DataRow("LatestPatch", "10.0.4", "10.0.3;10.0.5;10.0.9", "10.0.9")]
    [DataRow("LatestMinor", "10.0.0", "10.0.12;10.1.4;10.2.1;11.0.0", "10.2.1")]
    [DataRow("Major", "10.0.0", "11.0.4;11.2.0;12.0.0", "11.0.4")]
    [DataRow("LatestMajor", "10.0.0", "10.0.12;11.0.4;12.0.1", "12.0.1")]
    [DataRow("Disable", "10.0.0", "10.0.12", null)]
    [DataRow("Disable", "10.0.12", "10.0.12;10.0.15", "10.0.12")]
    [DataRow("Minor", "10.0.0", "10.0.5;10.0.6-rc.1", "10.0.5")]
    [DataRow("Minor", "10.0.0", "11.0.0-preview.1", null)]
    [DataRow("Minor", "11.0.0-preview.1", "11.0.0-preview.1;11.0.0-preview.3", "11.0.0-preview.3")]
    public void Roll_forward_picks_what_the_host_picks(string policy, string wanted, string available, string? expected)
    {
        var chosen = DotnetHostResolver.RollForward(new FrameworkReference("Microsoft.NETCore.App", wanted, policy, ApplyPatches: true), available.Split(';'));
        Assert.AreEqual(expected, chosen);
    }

    [TestMethod]
    public void Without_patches_applied_the_lowest_compatible_version_is_taken()
    {
        Assert.AreEqual("10.0.3", DotnetHostResolver.RollForward(new FrameworkReference("Microsoft.NETCore.App", "10.0.0", "Minor", ApplyPatches: false), ["10.0.12", "10.0.3"]));
    }
}
