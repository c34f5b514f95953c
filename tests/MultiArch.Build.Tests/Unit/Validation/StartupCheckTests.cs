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

    [TestMethod]
    public async Task A_framework_dependent_app_started_by_dotnet_checks_the_newest_shared_runtime()
    {
        TestFile[] runtime =
        [
            new("usr/share/dotnet/dotnet", Program("libc.so.6")),
            new("usr/bin/dotnet", null, "../share/dotnet/dotnet"),
            new("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.2/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libc.so.6"), Mode: ReadOnly),
            new("usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.1/libcoreclr.so", Lib("libcoreclr.so", TestElf.Aarch64, "libstdc++.so.6", "libc.so.6"), Mode: ReadOnly),
        ];

        var (without, missing) = await Check(["dotnet", "/app/app.dll"], null, Glibc(), runtime);
        var (with, _) = await Check(["dotnet", "/app/app.dll"], null, Glibc(), runtime, Layer(new TestFile("usr/lib/aarch64-linux-gnu/libstdc++.so.6", Lib("libstdc++.so.6"), Mode: ReadOnly)));

        AssertOnly(missing, "MULTIARCH5024", "libstdc++.so.6", "needed by /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.1/libcoreclr.so");
        Assert.AreEqual(StartupVerdict.Fails, without.Verdict);
        Assert.AreEqual(StartupVerdict.Ready, with.Verdict);
    }
}
