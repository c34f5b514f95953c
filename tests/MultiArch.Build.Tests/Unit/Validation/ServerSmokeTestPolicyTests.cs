using System.Net;
using MultiArch.Build.Containers;
using MultiArch.Build.Diagnostics;
using MultiArch.Build.Validation;

namespace MultiArch.Build.Tests.Unit.Validation;

/// <summary>The server smoke run's verdicts from what the runner saw, its URL rule, and the kernel's socket tables read.</summary>
[TestClass]
public sealed class ServerSmokeTestPolicyTests
{
    private static readonly Uri Url = new("http://localhost:8080/healthz");

    private static ValidationReport Report() => new(
        "127.0.0.1:5000/team/web:v1",
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "application/vnd.oci.image.index.v1+json",
        ["linux/amd64", "linux/arm64"],
        [
            new PlatformResult("linux/amd64", "sha256:1111111111111111111111111111111111111111111111111111111111111111", "linux/amd64", [], BinaryVerdict.Verified, null, null, null),
            new PlatformResult("linux/arm64", "sha256:2222222222222222222222222222222222222222222222222222222222222222", "linux/arm64", [], BinaryVerdict.Verified, null, null, null),
        ],
        [],
        []);

    private static readonly ListeningSocket Any8080 = new(IPAddress.IPv6Any, 8080);

    /// <summary>Each request waits until every platform has started: passes only when the platforms run side by side.</summary>
    private sealed class ConcurrentRunner(Func<ContainerRunRequest, ContainerRunOutcome> run, int expected) : IContainerRunner
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public List<ContainerRunRequest> Requests { get; } = [];

        public async Task<ContainerRunOutcome> RunAsync(ContainerRunRequest request, Action<string>? onLine, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            if (Interlocked.Increment(ref _started) == expected)
            {
                _all.SetResult();
            }

            await _all.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return run(request);
        }
    }

    private static ContainerRunOutcome Outcome(ServerObservation server, int? exit = null, bool timedOut = false, bool stopped = true)
        => new(exit, timedOut, TimeSpan.FromSeconds(2.5), ["info: Microsoft.Hosting.Lifetime[14]", "      Now listening on: http://[::]:8080"], [], null) { Server = server, Stopped = stopped, LastLines = ["last line"] };

    private static async Task<(IReadOnlyList<SmokeTestResult> Results, IReadOnlyList<Diagnostic> Diagnostics, ConcurrentRunner Runner)> RunAsync(Func<ContainerRunRequest, ContainerRunOutcome> run, Uri? url = null)
    {
        var runner = new ConcurrentRunner(run, 2);
        var options = new SmokeTestOptions { Cli = "podman", Url = url, Parallel = 2, DescribeExecution = p => p.Architecture == "amd64" ? "native" : "emulated (test)" };
        var (results, diagnostics) = await SmokeTest.RunAsync(runner, Report(), options, null, default);
        return (results, diagnostics, runner);
    }

    [TestMethod]
    public async Task A_2xx_on_a_port_listened_on_all_interfaces_passes_and_both_platforms_run_at_once()
    {
        var (results, diagnostics, runner) = await RunAsync(_ => Outcome(new ServerObservation { Status = 200, Listening = [Any8080], Reached = "its network namespace" }), Url);

        Assert.AreEqual(0, diagnostics.Count, string.Join("\n", diagnostics.Select(d => d.Message)));
        Assert.IsTrue(results.All(r => r.Passed && r.HttpStatus == 200));
        Assert.IsTrue(runner.Requests.All(r => r.Probe!.Port == 8080 && !r.WatchListening));
        Assert.AreEqual("HTTP 200 from http://localhost:8080/healthz in 2.5 s, passed: info: Microsoft.Hosting.Lifetime[14] Now listening on: http://[::]:8080", results[1].Summary());
        Assert.AreEqual("Hello", SmokeTestResult.FirstLine(["", "Hello", "      indented"]));
    }

    [TestMethod]
    public async Task Every_way_a_server_can_fail_has_its_code()
    {
        var cases = new (ServerObservation Server, int? Exit, bool TimedOut, bool Stopped, string Code)[]
        {
            (new ServerObservation { Status = 404, Listening = [Any8080] }, null, false, true, "MULTIARCH5047"),
            (new ServerObservation { Error = "Connection refused", Listening = [new ListeningSocket(IPAddress.Any, 5000)] }, null, true, false, "MULTIARCH5048"),
            (new ServerObservation { Error = "Connection refused" }, 134, false, false, "MULTIARCH5049"),
            (new ServerObservation { Unreachable = "docker published no port for 8080/tcp" }, null, false, true, "MULTIARCH5051"),
            (new ServerObservation { Status = 200, Listening = [new ListeningSocket(IPAddress.Loopback, 8080)] }, null, false, true, "MULTIARCH5053"),
        };
        foreach (var (server, exit, timedOut, stopped, code) in cases)
        {
            var (results, diagnostics, _) = await RunAsync(_ => Outcome(server, exit, timedOut, stopped), Url);
            CollectionAssert.AreEqual(new[] { code, code }, diagnostics.Select(d => d.Code).ToArray(), code);
            Assert.IsTrue(results.All(r => !r.Passed), code);
        }

        var (_, noAnswer, _) = await RunAsync(_ => Outcome(new ServerObservation { Error = "Connection refused", Listening = [new ListeningSocket(IPAddress.Loopback, 5000)] }, null, true, false), Url);
        StringAssert.Contains(noAnswer[0].Message, "it listens on 127.0.0.1:5000, not on port 8080");
        StringAssert.Contains(noAnswer[0].Message, "Last lines: last line");
    }

    [TestMethod]
    public async Task A_server_without_a_url_is_a_warning_with_the_url_to_set_and_a_hung_program_still_fails()
    {
        var (results, diagnostics, runner) = await RunAsync(_ => Outcome(new ServerObservation { Listening = [new ListeningSocket(IPAddress.Loopback, 9999), Any8080] }));
        Assert.IsTrue(runner.Requests.All(r => r.WatchListening && r.Probe is null));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5050", "MULTIARCH5050" }, diagnostics.Select(d => d.Code).ToArray());
        Assert.IsTrue(diagnostics.All(d => d.Severity == DiagnosticSeverity.Warning));
        StringAssert.Contains(diagnostics[0].Message, "ContainerSmokeTestUrl=http://localhost:8080/");
        Assert.IsTrue(results.All(r => r.ServerWithoutUrl && !r.Passed));

        var (_, hung, _) = await RunAsync(_ => Outcome(new ServerObservation(), timedOut: true, stopped: false));
        CollectionAssert.AreEqual(new[] { "MULTIARCH5041", "MULTIARCH5041" }, hung.Select(d => d.Code).ToArray());
    }

    [TestMethod]
    [DataRow("http://localhost:8080/healthz", 8080)]
    [DataRow("http://127.0.0.1/", 80)]
    [DataRow("http://[::1]:5000/ready?full=1", 5000)]
    [DataRow("https://localhost:8443/", null)]
    [DataRow("http://example.com:8080/", null)]
    [DataRow("/healthz", null)]
    [DataRow("http://user:pw@localhost:8080/", null)]
    public void The_url_names_a_port_of_the_container_over_plain_http(string text, int? port)
        => Assert.AreEqual(port, SmokeTest.ParseUrl(text)?.Port);

    [TestMethod]
    public void The_kernels_socket_tables_give_the_listening_addresses()
    {
        const string tcp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51942 1 0000000000000000 100 0 0 10 0
               1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51943 1 0000000000000000 100 0 0 10 0
               2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 51944 1 0000000000000000 100 0 0 10 0
            """;
        const string tcp6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1654        0 1 1 0000000000000000 100 0 0 10 0
               1: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1654        0 2 1 0000000000000000 100 0 0 10 0
            """;

        var v4 = ListeningSockets.Parse(tcp).ToList();
        var v6 = ListeningSockets.Parse(tcp6).ToList();

        CollectionAssert.AreEqual(new[] { "127.0.0.1:5000", "0.0.0.0:8080" }, v4.Select(s => s.ToString()).ToArray());
        CollectionAssert.AreEqual(new[] { true, false }, v4.Select(s => s.LoopbackOnly).ToArray());
        CollectionAssert.AreEqual(new[] { "[::]:8081", "[::1]:8082" }, v6.Select(s => s.ToString()).ToArray());
        CollectionAssert.AreEqual(new[] { false, true }, v6.Select(s => s.LoopbackOnly).ToArray());
    }
}
