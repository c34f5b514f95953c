using System.Diagnostics;
using System.Globalization;
using System.Text;
using MultiArch.Build.Oci;
using MultiArch.Build.Platforms;
using MultiArch.Build.Processes;
using MultiArch.Build.Registry;
using MultiArch.Build.Validation;

// Validating a multi-platform index from a loopback registry, against the tools people use to look at one.
// Usage: MultiArch.Build.Bench <image reference> <platforms, comma-separated> <iterations> <markdown output> [<dynamic image> <its platforms>]
//        MultiArch.Build.Bench push-blob <registry> <size MiB> <markdown output>   (bench/push-blob.sh)
// The optional second image (glibc programs and libraries from Debian packages) measures the start-up check's cost.
if (args.Length > 0 && args[0] == "push-blob")
{
    return await PushBlobBench.RunAsync(args[1..]);
}

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: MultiArch.Build.Bench IMAGE PLATFORMS ITERATIONS OUTPUT.md");
    return 2;
}

var image = args[0];
var platforms = args[1].Split(',').Select(OciPlatform.Parse).ToList();
var iterations = int.Parse(args[2], CultureInfo.InvariantCulture);
var output = args[3];
var reference = ImageReference.Parse(image);
var rows = new List<string>();

async Task<(double Median, double P90, long Allocated)> Measure(string name, Func<Task> run)
{
    for (var i = 0; i < 2; i++)
    {
        await run();
    }

    var times = new List<double>();
    long allocated = 0;
    for (var i = 0; i < iterations; i++)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        await run();
        times.Add(watch.Elapsed.TotalMilliseconds);
        allocated += GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    times.Sort();
    var result = (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.9) - 1], allocated / iterations);
    Console.WriteLine($"{name}: median {result.Item1:0.0} ms, p90 {result.Item2:0.0} ms");
    return result;
}

async Task Validator(bool deep, bool startup = true, ImageReference? other = null, IReadOnlyList<OciPlatform>? otherPlatforms = null)
{
    var target = other ?? reference;
    using var client = new RegistryClient(target.Registry);
    await using var source = new RegistryImageSource(client, target);
    var report = await ManifestValidator.ValidateAsync(source, new ValidationOptions { ExpectedPlatforms = otherPlatforms ?? platforms, DeepCheck = deep, StartupCheck = startup }, default);
    if (!report.Passed)
    {
        throw new InvalidOperationException("the benchmark image does not validate: " + string.Join("; ", report.Diagnostics));
    }
}

async Task Tool(string file, params string[] arguments)
{
    var result = await ProcessRunner.Instance.RunAsync(new ProcessSpec(file, arguments));
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"{file} failed: {result.Tail(3)}");
    }
}

async Task<bool> Available(string file, params string[] arguments)
{
    try
    {
        return (await ProcessRunner.Instance.RunAsync(new ProcessSpec(file, arguments))).Succeeded;
    }
    catch (ToolNotFoundException)
    {
        return false;
    }
}

void Row(string what, string command, (double Median, double P90, long Allocated)? r, string note)
    => rows.Add(r is { } m
        ? $"| {what} | `{command}` | {m.Median:0.0} | {m.P90:0.0} | {(m.Allocated > 0 ? $"{m.Allocated / 1024.0 / 1024.0:0.0} MiB" : "n/a (other process)")} | {note} |"
        : $"| {what} | `{command}` | - | - | - | {note} |");

GC.Collect();
var peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
var deep = await Measure("validator, deep", () => Validator(true));
Row("MultiArch.Build ManifestValidator, deep check", "ValidateContainerImage", deep, "index, manifests, configs, attestations, every layer read and digest-checked, entrypoint ELF judged, start-up check (static busybox: nothing to resolve)");
var deepNoStartup = await Measure("validator, deep, no start-up check", () => Validator(true, startup: false));
Row("MultiArch.Build ManifestValidator, deep check, start-up check off", "ValidateContainerImage -p:ContainerValidateStartup=false", deepNoStartup, "as above without the start-up check");
var shallow = await Measure("validator, no deep check", () => Validator(false));
Row("MultiArch.Build ManifestValidator, no deep check", "ValidateContainerImage -p:ContainerValidateDeep=false", shallow, "index, manifests, configs, attestations");

if (await Available("docker", "buildx", "version"))
{
    var imagetools = await Measure("imagetools", () => Tool("docker", "buildx", "imagetools", "inspect", "--format", "{{json .Image}}", image));
    Row("docker buildx imagetools inspect", $"docker buildx imagetools inspect --format '{{{{json .Image}}}}' {image}", (imagetools.Median, imagetools.P90, 0), "index, manifests, configs; claims only, no content check");
}
else
{
    Row("docker buildx imagetools inspect", "docker buildx imagetools inspect --format '{{json .Image}}'", null, "not run: docker buildx is not installed here");
}

if (await Available("skopeo", "--version"))
{
    var skopeo = await Measure("skopeo", () => Tool("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{image}"));
    Row("skopeo inspect --raw", $"skopeo inspect --raw --tls-verify=false docker://{image}", (skopeo.Median, skopeo.P90, 0), "the index document only");
}
else
{
    Row("skopeo inspect --raw", "skopeo inspect --raw", null, "not run: skopeo is not installed here");
}

if (args.Length >= 6)
{
    var dynamicImage = ImageReference.Parse(args[4]);
    var dynamicPlatforms = args[5].Split(',').Select(OciPlatform.Parse).ToList();
    var with = await Measure("dynamic image, start-up check", () => Validator(true, true, dynamicImage, dynamicPlatforms));
    Row("MultiArch.Build ManifestValidator, deep check with start-up check, glibc image", $"ValidateContainerImage -p:ContainerImage={args[4]}", with, "every layer read; ELF headers and dynamic sections of every program and *.so* kept; interpreter and libraries resolved per platform");
    var without = await Measure("dynamic image, no start-up check", () => Validator(true, false, dynamicImage, dynamicPlatforms));
    Row("MultiArch.Build ManifestValidator, deep check without start-up check, glibc image", $"... -p:ContainerValidateStartup=false", without, "every layer read; entrypoint ELF header only");
}

var peak = Process.GetCurrentProcess().PeakWorkingSet64;
var markdown = new StringBuilder();
markdown.AppendLine("| What | Command | Median ms | p90 ms | Allocated per run | Reads |");
markdown.AppendLine("|---|---|---|---|---|---|");
rows.ForEach(r => markdown.AppendLine(r));
markdown.AppendLine();
markdown.AppendLine(CultureInfo.InvariantCulture, $"Image `{image}`, platforms {string.Join(", ", platforms)}; {iterations} measured runs after 2 warm-up runs; peak working set of the benchmark process {peak / 1024.0 / 1024.0:0} MiB (before measuring: {peakBefore / 1024.0 / 1024.0:0} MiB).");
File.WriteAllText(output, markdown.ToString());
Console.WriteLine(markdown);
return 0;
