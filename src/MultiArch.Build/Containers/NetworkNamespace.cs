using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MultiArch.Build.Containers;

/// <summary>
/// Reaching a running container's port without opening any network: a TCP socket is created <em>inside</em> the
/// container's network namespace (a socket belongs to the namespace it was created in, for its whole life), then
/// connected to the container's own loopback from this process. The container keeps <c>--network=none</c>, no port
/// is published and nothing listens on the host. Linux only, and it takes what <c>nsenter --net</c> takes:
/// <c>CAP_SYS_ADMIN</c> (root) and an engine on this machine (the container's process visible in <c>/proc</c>).
/// </summary>
/// <remarks>
/// No library offers this (<c>nsenter</c> would need an HTTP client on the host); <c>setns(2)</c> changes the calling
/// thread only, so it runs on a thread of its own that makes the raw socket with <c>socket(2)</c> and ends: no
/// managed code runs in the foreign namespace, so no runtime thread (socket engine, thread pool) is ever born there.
/// </remarks>
internal static class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;
    private const int SockStream = 1;
    private const int SockCloexec = 0x80000;

    private static readonly Lazy<bool> Enterable = new(() => TryCreate("/proc/self/ns/net", AddressFamily.InterNetwork, out var socket, out _) && Dispose(socket));

    /// <summary>Whether this process may enter network namespaces here (Linux, <c>CAP_SYS_ADMIN</c>): tried once on its own namespace.</summary>
    public static bool CanEnter => OperatingSystem.IsLinux() && Enterable.Value;

    /// <summary>The namespace file of a process, when it is this container's: its cgroup names the container's full ID (podman <c>libpod-ID</c>, docker <c>/docker/ID</c> or <c>docker-ID.scope</c>).</summary>
    public static string? OfContainer(int pid, string containerId)
    {
        try
        {
            var cgroup = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup");
            return containerId.Length >= 12 && cgroup.Contains(containerId, StringComparison.Ordinal) ? $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/net" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Connects to <paramref name="port"/> on the loopback of the namespace at <paramref name="namespacePath"/>.</summary>
    public static async Task<Socket> ConnectAsync(string namespacePath, int port, CancellationToken cancellationToken)
    {
        if (!TryCreate(namespacePath, AddressFamily.InterNetwork, out var socket, out var error))
        {
            throw new IOException(error);
        }

        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool TryCreate(string namespacePath, AddressFamily family, out Socket socket, out string error)
    {
        socket = null!;
        error = string.Empty;
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(namespacePath, FileMode.Open, FileAccess.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot open {namespacePath}: {ex.Message}";
            return false;
        }

        using (handle)
        {
            var nsFd = (int)handle.DangerousGetHandle();
            var fd = -1;
            var errno = 0;
            var thread = new Thread(() =>
            {
                // Nothing managed in here: two system calls, then the thread (and its namespace) ends.
                if (NativeMethods.setns(nsFd, CloneNewNet) != 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    return;
                }

                fd = NativeMethods.socket(family == AddressFamily.InterNetworkV6 ? 10 : 2, SockStream | SockCloexec, 0);
                if (fd < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                }
            })
            {
                IsBackground = true,
                Name = "MultiArch.Build network namespace",
            };
            thread.Start();
            thread.Join();
            if (fd < 0)
            {
                error = $"cannot make a socket in {namespacePath}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno.ToString(CultureInfo.InvariantCulture)})";
                return false;
            }

            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            return true;
        }
    }

    private static bool Dispose(Socket socket)
    {
        socket.Dispose();
        return true;
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int setns(int fd, int nstype);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int socket(int domain, int type, int protocol);
    }
}
