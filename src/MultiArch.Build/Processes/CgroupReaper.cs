namespace MultiArch.Build.Processes;

/// <summary>
/// Kills the processes of one cgroup. podman 4 leaves a cancelled build's RUN step running (it is not in
/// podman's process tree: it is reparented to init), so podman builds run under a cgroup parent of their
/// own and a cancellation reaps what is left in it. Linux only; elsewhere it does nothing.
/// </summary>
internal static class CgroupReaper
{
    public static string NewCgroupParent() => "/multiarch-build-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Whether this process may create cgroups (root), so that podman's --cgroup-parent can be used.</summary>
    public static bool Available => OperatingSystem.IsLinux() && Environment.UserName == "root" && Directory.Exists("/proc");

    /// <summary>Sends SIGKILL to every process whose cgroup path is <paramref name="cgroup"/> or below it. Returns how many.</summary>
    public static int Reap(string cgroup)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var killed = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var inGroup = File.ReadLines(Path.Combine(dir, "cgroup"))
                    .Select(line => line[(line.LastIndexOf(':') + 1)..])
                    .Any(path => path.EndsWith(cgroup, StringComparison.Ordinal) || path.Contains(cgroup + "/", StringComparison.Ordinal));
                if (inGroup)
                {
                    System.Diagnostics.Process.GetProcessById(pid).Kill();
                    killed++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // The process ended meanwhile, or is not ours to read.
            }
        }

        return killed;
    }
}
