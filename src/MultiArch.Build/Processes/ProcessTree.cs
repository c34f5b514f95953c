using System.Runtime.InteropServices;

namespace MultiArch.Build.Processes;

/// <summary>
/// The descendants of a process, and signals to them. Ctrl+C in a terminal interrupts the whole foreground process
/// group; a cancelled build must do the same to what it started, because a tool's children do not always follow it:
/// the docker 20.10 CLI dies on SIGINT and leaves its buildx plugin running, reparented to init, out of reach of a
/// later "kill the tree". So the tree is taken when the cancellation starts, interrupted as a whole, and whatever of
/// it outlives the grace period is killed. Linux only (it reads /proc); elsewhere the tree is the process alone.
/// </summary>
internal static class ProcessTree
{
    private const int SigInt = 2;
    private const int SigKill = 9;

    /// <summary>A process as seen at one moment: its id and start time (ticks since boot), so a reused id is not mistaken for it.</summary>
    internal readonly record struct Member(int Pid, long StartTime);

    /// <summary>Every living descendant of <paramref name="root"/> (not the root itself), children before grandchildren.</summary>
    public static IReadOnlyList<Member> Descendants(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var children = new Dictionary<int, List<Member>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat)
            {
                if (!children.TryGetValue(stat.ParentPid, out var list))
                {
                    children[stat.ParentPid] = list = [];
                }

                list.Add(new Member(pid, stat.StartTime));
            }
        }

        var result = new List<Member>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            foreach (var child in children.GetValueOrDefault(queue.Dequeue()) ?? [])
            {
                result.Add(child);
                queue.Enqueue(child.Pid);
            }
        }

        return result;
    }

    /// <summary>Sends SIGINT to each member still alive (as Ctrl+C does to a terminal's foreground group).</summary>
    public static void Interrupt(IEnumerable<Member> members) => Signal(members, SigInt);

    /// <summary>Sends SIGKILL to each member still alive. Returns how many were.</summary>
    public static int Kill(IEnumerable<Member> members) => Signal(members, SigKill);

    /// <summary>Whether the member is still alive (and not a zombie waiting for its parent).</summary>
    public static bool IsAlive(Member member) => Stat(member.Pid) is { } stat && stat.StartTime == member.StartTime && stat.State != 'Z';

    private static int Signal(IEnumerable<Member> members, int signal)
    {
        var sent = 0;
        foreach (var member in members.Where(IsAlive))
        {
            if (kill(member.Pid, signal) == 0)
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>Parent, state and start time from /proc/PID/stat (the name, in parentheses, may contain spaces).</summary>
    private static (int ParentPid, char State, long StartTime)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');

            // After the name: state (3), ppid (4), ... starttime (22); fields[0] is field 3.
            return (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields[0][0], long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // The process ended meanwhile.
            return null;
        }
    }

#pragma warning disable SA1300, IDE1006 // libc's name
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
#pragma warning restore SA1300, IDE1006
}
