using System.Net.Http;
using System.Runtime.CompilerServices;
using MultiArch.Build.Processes;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// What the real-service tests need, probed once per run. Each property is null when present, or says
/// exactly what is missing and how to get it (the skip message).
/// </summary>
public static class Environments
{
    private static readonly Lazy<string?> RegistryProbe = new(() => ProbeRegistry("MULTIARCH_TEST_REGISTRY", expectAuth: false));
    private static readonly Lazy<string?> AuthRegistryProbe = new(() => ProbeRegistry("MULTIARCH_TEST_AUTH_REGISTRY", expectAuth: true));
    private static readonly Lazy<string?> BusyboxProbe = new(ProbeBusybox);
    private static readonly Lazy<string?> DebianPackagesProbe = new(DebianImages.Probe);
    private static readonly Lazy<string?> DockerProbe = new(() => ProbeCommand("docker engine", "docker", "info", "--format", "{{.ServerVersion}}"));
    private static readonly Lazy<string?> BuildxProbe = new(() => ProbeCommand("docker buildx", "docker", "buildx", "version"));
    private static readonly Lazy<string?> BuildkitdProbe = new(() => ProbeCommand("buildkitd (to start BuildKit nodes of its own)", Environment.GetEnvironmentVariable("MULTIARCH_BUILDKITD") is { Length: > 0 } path ? path : "buildkitd", "--version"));
    private static readonly Lazy<string?> PodmanProbe = new(() => ProbeCommand("podman", "podman", "version", "--format", "{{.Client.Version}}"));
    private static readonly Lazy<string?> EmulationProbe = new(ProbeEmulation);
    private static readonly Lazy<string?> BaseImageProbe = new(() => string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MULTIARCH_BASE_IMAGE"))
        ? "needs the multi-platform base image in the loopback registry: MULTIARCH_BASE_IMAGE is not set (build/env/base-images.sh pushes it)"
        : null);
    private static readonly Lazy<string?> BuildxBuilderProbe = new(() => BuildxProbe.Value ?? (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MULTIARCH_TEST_BUILDX_BUILDER"))
        ? "needs a multi-platform buildx builder: MULTIARCH_TEST_BUILDX_BUILDER is not set (build/env/buildkit.sh sets it when buildkitd is installed)"
        : ProbeCommand("the buildx builder named by MULTIARCH_TEST_BUILDX_BUILDER", "docker", "buildx", "inspect", "--bootstrap", Environment.GetEnvironmentVariable("MULTIARCH_TEST_BUILDX_BUILDER")!)));

    public static string? RegistryMissing => RegistryProbe.Value;

    public static string? AuthRegistryMissing => AuthRegistryProbe.Value;

    public static string? BusyboxMissing => BusyboxProbe.Value;

    public static string? DebianPackagesMissing => DebianPackagesProbe.Value;

    public static string? DockerMissing => DockerProbe.Value;

    public static string? BuildxMissing => BuildxProbe.Value;

    public static string? PodmanMissing => PodmanProbe.Value;

    public static string? BuildkitdMissing => BuildkitdProbe.Value;

    public static string? EmulationMissing => EmulationProbe.Value;

    public static string? BaseImageMissing => BaseImageProbe.Value;

    public static string? BuildxBuilderMissing => BuildxBuilderProbe.Value;

    /// <summary>Debian's golang-1.23 (build/env/install.sh): the Go sample's builder image is made from it.</summary>
    public static string GoRoot => Environment.GetEnvironmentVariable("MULTIARCH_TEST_GOROOT") is { Length: > 0 } root ? root : "/usr/lib/go-1.23";

    public static string? GoMissing => File.Exists(Path.Combine(GoRoot, "bin", "go"))
        ? null
        : $"needs the Go toolchain: {GoRoot}/bin/go is missing (build/env/install.sh installs golang-1.23-go from bookworm-backports)";

    public static string BaseImage => Environment.GetEnvironmentVariable("MULTIARCH_BASE_IMAGE")!;

    public static string BuildxBuilder => Environment.GetEnvironmentVariable("MULTIARCH_TEST_BUILDX_BUILDER")!;

    public static string Registry => Environment.GetEnvironmentVariable("MULTIARCH_TEST_REGISTRY")!;

    public static string AuthRegistry => Environment.GetEnvironmentVariable("MULTIARCH_TEST_AUTH_REGISTRY")!;

    public static string AuthUser => Environment.GetEnvironmentVariable("MULTIARCH_TEST_AUTH_USER") ?? "multiarch";

    public static string AuthPassword => File.ReadAllText(Environment.GetEnvironmentVariable("MULTIARCH_TEST_AUTH_PASSWORD_FILE")!).Trim();

    /// <summary>Whether the loopback registry (<see cref="Registry"/>) has the tag (or digest) in the repository.</summary>
    public static async Task<bool> TagExistsAsync(string repository, string tag)
    {
        using var client = new MultiArch.Build.Registry.RegistryClient(Registry);
        try
        {
            await client.GetManifestAsync(repository, tag, default);
            return true;
        }
        catch (MultiArch.Build.Registry.RegistryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Real per-architecture busybox binaries (Debian's busybox-static), by Debian architecture name.</summary>
    public static byte[] Busybox(string debianArch)
        => File.ReadAllBytes(Path.Combine(Environment.GetEnvironmentVariable("MULTIARCH_TEST_BUSYBOX_DIR")!, debianArch, "busybox"));

    private static string? ProbeRegistry(string variable, bool expectAuth)
    {
        var address = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(address))
        {
            return $"needs a loopback OCI registry: {variable} is not set (build/env/registry.sh start prints it; build/test.sh sets it)";
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = http.GetAsync($"http://{address}/v2/").GetAwaiter().GetResult();
            var ok = expectAuth ? response.StatusCode == System.Net.HttpStatusCode.Unauthorized : response.IsSuccessStatusCode;
            return ok ? null : $"the registry at {address} ({variable}) answered {(int)response.StatusCode} on /v2/";
        }
        catch (HttpRequestException ex)
        {
            return $"the registry at {address} ({variable}) is not reachable: {ex.Message}";
        }
    }

    private static string? ProbeBusybox()
    {
        var dir = Environment.GetEnvironmentVariable("MULTIARCH_TEST_BUSYBOX_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            return "needs per-architecture busybox binaries: MULTIARCH_TEST_BUSYBOX_DIR is not set (build/env/install.sh fetches them)";
        }

        var missing = new[] { "amd64", "arm64", "armhf", "s390x", "ppc64el" }.Where(a => !File.Exists(Path.Combine(dir, a, "busybox"))).ToList();
        return missing.Count == 0 ? null : $"busybox binaries missing in {dir} for: {string.Join(", ", missing)} (run build/env/install.sh)";
    }

    private static string? ProbeCommand(string what, string file, params string[] args)
    {
        try
        {
            var result = ProcessRunner.Instance.RunAsync(new ProcessSpec(file, args)).GetAwaiter().GetResult();
            return result.Succeeded ? null : $"needs {what}: `{file} {string.Join(' ', args)}` failed: {result.Tail(2)}";
        }
        catch (ToolNotFoundException)
        {
            return $"needs {what}: '{file}' is not installed";
        }
    }

    private static string? ProbeEmulation()
    {
        foreach (var handler in new[] { "qemu-aarch64", "qemu-arm", "qemu-s390x", "qemu-ppc64le" })
        {
            var path = Path.Combine("/proc/sys/fs/binfmt_misc", handler);
            if (!File.Exists(path) || !File.ReadAllText(path).StartsWith("enabled", StringComparison.Ordinal))
            {
                return $"needs QEMU emulation: binfmt handler {handler} is not registered (apt-get install qemu-user-static binfmt-support; update-binfmts --enable)";
            }
        }

        return null;
    }
}

/// <summary>
/// Skips a test, with the reason, unless everything it names is present. A skip is never a pass.
/// Under <c>CI=true</c> only what no package provides here (docker buildx, a buildkitd builder) may skip: a test
/// missing a service that build/env/install.sh provides (registry, podman, QEMU, the engine, busybox, the base
/// image) runs into <see cref="ServiceTestClassAttribute"/>, which fails it with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresAttribute : ConditionBaseAttribute
{
    private readonly string[] _needs;

    public RequiresAttribute(params string[] needs)
        : base(ConditionMode.Include)
    {
        _needs = needs;
    }

    public const string Registry = "registry";
    public const string AuthRegistry = "auth-registry";
    public const string Busybox = "busybox";
    public const string DebianPackages = "debian-packages";
    public const string Docker = "docker";
    public const string Buildx = "buildx";
    public const string Podman = "podman";
    public const string Buildkitd = "buildkitd";
    public const string Emulation = "emulation";
    public const string BaseImage = "base-image";
    public const string BuildxBuilder = "buildx-builder";
    public const string Go = "go";

    /// <summary>What no Debian package provides on the CI machine: the only needs that may skip under CI=true.</summary>
    public static readonly IReadOnlySet<string> MaySkipUnderCi = new HashSet<string> { Buildx, BuildxBuilder, Buildkitd };

    /// <summary>CI=true (as GitHub Actions, GitLab and most CI systems set it).</summary>
    public static bool UnderCi => Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    public IReadOnlyList<string> Needs => _needs;

    public override string GroupName => "Requires";

    /// <summary>
    /// Met (the test runs) when nothing is missing; under CI also when something missing may not skip there (the
    /// test runs, and <see cref="ServiceTestClassAttribute"/> fails it before its body starts). When not met,
    /// <see cref="ConditionBaseAttribute.IgnoreMessage"/> is set to what is missing (MSTest reads the condition first,
    /// then the message of a condition that is not met).
    /// </summary>
    public override bool IsConditionMet
    {
        get
        {
            var missing = Missing();
            var met = missing.Count == 0 || (UnderCi && missing.Any(m => !MaySkipUnderCi.Contains(m.Need)));
            IgnoreMessage = met ? null : string.Join("; ", missing.Select(m => m.Reason));
            return met;
        }
    }

    /// <summary>Under CI=true: why the test must fail rather than skip (a service CI must provide is missing); else null.</summary>
    public string? CiFailure()
    {
        var required = Missing().Where(m => !MaySkipUnderCi.Contains(m.Need)).ToList();
        return UnderCi && required.Count > 0
            ? $"CI=true, and this test needs what build/env/install.sh and build/env/up.sh provide: {string.Join("; ", required.Select(m => m.Reason))}"
            : null;
    }

    private List<(string Need, string Reason)> Missing() => _needs.Select(n => (n, n switch
    {
        Registry => Environments.RegistryMissing,
        AuthRegistry => Environments.AuthRegistryMissing,
        Busybox => Environments.BusyboxMissing,
        DebianPackages => Environments.DebianPackagesMissing,
        Docker => Environments.DockerMissing,
        Buildx => Environments.BuildxMissing,
        Podman => Environments.PodmanMissing,
        Buildkitd => Environments.BuildkitdMissing,
        Emulation => Environments.EmulationMissing,
        BaseImage => Environments.BaseImageMissing,
        BuildxBuilder => Environments.BuildxBuilderMissing,
        Go => Environments.GoMissing,
        _ => $"unknown requirement '{n}'",
    })).Where(m => m.Item2 is not null).Select(m => (m.n, m.Item2!)).ToList();
}

/// <summary>
/// A test class whose tests use <see cref="RequiresAttribute"/>: under CI=true a test missing a service that CI
/// must provide fails with the reason instead of skipping (a CI run cannot pass by skipping). Every class that
/// uses [Requires] carries this attribute (RequirementsTests checks it).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ServiceTestClassAttribute : TestClassAttribute
{
    public override TestMethodAttribute? GetTestMethodAttribute(TestMethodAttribute? testMethodAttribute)
        => testMethodAttribute is null ? null : new CiStrictTestMethodAttribute(testMethodAttribute);

    /// <summary>
    /// Wraps the method's own [TestMethod]: keeps its display name, unfolding and source position (the caller's
    /// position is only the fallback when the wrapped attribute has none).
    /// </summary>
    private sealed class CiStrictTestMethodAttribute : TestMethodAttribute
    {
        private readonly TestMethodAttribute _inner;

        public CiStrictTestMethodAttribute(TestMethodAttribute inner, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = -1)
            : base(inner.DeclaringFilePath ?? callerFilePath, inner.DeclaringLineNumber ?? callerLineNumber)
        {
            _inner = inner;
            DisplayName = inner.DisplayName;
            UnfoldingStrategy = inner.UnfoldingStrategy;
        }

        public override Task<TestResult[]> ExecuteAsync(ITestMethod testMethod)
        {
            var requirements = (testMethod.GetAllAttributes() ?? [])
                .Concat(testMethod.MethodInfo.DeclaringType!.GetCustomAttributes(inherit: true))
                .OfType<RequiresAttribute>();
            if (requirements.Select(r => r.CiFailure()).FirstOrDefault(f => f is not null) is { } failure)
            {
                return Task.FromResult<TestResult[]>([new TestResult { Outcome = UnitTestOutcome.Failed, TestFailureException = new AssertFailedException(failure) }]);
            }

            return _inner.ExecuteAsync(testMethod);
        }
    }
}
