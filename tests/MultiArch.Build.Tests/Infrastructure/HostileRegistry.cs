using System.Net.Sockets;
using System.Net;

namespace MultiArch.Build.Tests.Infrastructure;

/// <summary>
/// A misbehaving registry on 127.0.0.1 for hostile-input tests: each request is answered by the test's
/// handler (status, headers, body). Bounded: it serves only while the test runs and stops on dispose.
/// </summary>
internal sealed class HostileRegistry : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public HostileRegistry(Func<HttpListenerRequest, HttpListenerResponse, Task> handler)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpListenerException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                try
                {
                    await handler(context.Request, context.Response);
                }
                catch (Exception)
                {
                    // The client may hang up mid-answer; that is part of the test.
                }
                finally
                {
                    try
                    {
                        context.Response.Close();
                    }
                    catch (Exception)
                    {
                    }
                }
            }
        });
    }

    private int _requests;

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public int Requests => _requests;

    public static async Task WriteAsync(HttpListenerResponse response, int status, string? contentType, byte[] body)
    {
        response.StatusCode = status;
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        await Task.WhenAny(_loop, Task.Delay(2000));
    }
}
