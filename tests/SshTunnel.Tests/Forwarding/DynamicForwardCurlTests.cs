using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Forwarding;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Forwarding;

/// <summary>The -D proxy driven by real curl (SOCKS5 with remote name resolution, and HTTP CONNECT); skipped without curl.</summary>
public class DynamicForwardCurlTests
{
    private const string Curl = "/usr/bin/curl";
    private const string Body = "hello from the tiny responder\n";

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunCurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Curl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string name in new[] { "http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY" })
        {
            start.Environment.Remove(name);
        }
        start.ArgumentList.Add("--silent");
        start.ArgumentList.Add("--show-error");
        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("15");
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task<DynamicForward> StartAsync(ConcurrentQueue<string> hosts) =>
        await DynamicForward.StartAsync("127.0.0.1", 0, (h, p, oa, op, ct) =>
        {
            hosts.Enqueue(h);
            return DynamicForwardTests.DirectOpenAsync(h == "tiny.gateway.test" ? "127.0.0.1" : h, p, oa, op, ct);
        }, new DynamicForwardOptions { AddressFamily = AddressFamily.InterNetwork }).WithTimeout();

    [Fact]
    public async Task Curl_socks5_hostname_resolves_at_the_gateway()
    {
        if (!File.Exists(Curl)) return; // skipped: curl not installed
        await using var web = new TinyHttpResponder(Body);
        var hosts = new ConcurrentQueue<string>();
        await using DynamicForward forward = await StartAsync(hosts);
        // A name that only the gateway "knows": curl must not resolve it itself.
        (int exit, string stdout, string stderr) = await RunCurlAsync("--socks5-hostname", $"127.0.0.1:{forward.ListenEndPoints[0].Port}",
            $"http://tiny.gateway.test:{web.Port}/");
        Assert.True(exit == 0, $"curl exit {exit}: {stderr}");
        Assert.Equal(Body, stdout);
        Assert.Equal("tiny.gateway.test", Assert.Single(hosts));
    }

    [Fact]
    public async Task Curl_socks4a_works()
    {
        if (!File.Exists(Curl)) return; // skipped: curl not installed
        await using var web = new TinyHttpResponder(Body);
        var hosts = new ConcurrentQueue<string>();
        await using DynamicForward forward = await StartAsync(hosts);
        (int exit, string stdout, string stderr) = await RunCurlAsync("--socks4a", $"127.0.0.1:{forward.ListenEndPoints[0].Port}",
            $"http://tiny.gateway.test:{web.Port}/");
        Assert.True(exit == 0, $"curl exit {exit}: {stderr}");
        Assert.Equal(Body, stdout);
        Assert.Equal("tiny.gateway.test", Assert.Single(hosts));
    }

    [Fact]
    public async Task Curl_http_proxytunnel_uses_connect()
    {
        if (!File.Exists(Curl)) return; // skipped: curl not installed
        await using var web = new TinyHttpResponder(Body);
        var hosts = new ConcurrentQueue<string>();
        await using DynamicForward forward = await StartAsync(hosts);
        (int exit, string stdout, string stderr) = await RunCurlAsync("--proxytunnel", "-x", $"http://127.0.0.1:{forward.ListenEndPoints[0].Port}",
            $"http://tiny.gateway.test:{web.Port}/");
        Assert.True(exit == 0, $"curl exit {exit}: {stderr}");
        Assert.Equal(Body, stdout);
        Assert.Equal("tiny.gateway.test", Assert.Single(hosts));
    }

    [Fact]
    public async Task Curl_sees_the_refusal_reason()
    {
        if (!File.Exists(Curl)) return; // skipped: curl not installed
        var hosts = new ConcurrentQueue<string>();
        await using DynamicForward forward = await StartAsync(hosts);
        int closed = LoopbackEchoServer.UnusedPort();
        int proxyPort = forward.ListenEndPoints[0].Port;

        (int exit, _, string stderr) = await RunCurlAsync("--socks5-hostname", $"127.0.0.1:{proxyPort}", $"http://127.0.0.1:{closed}/");
        Assert.Equal(97, exit); // CURLE_PROXY
        Assert.Contains("(5)", stderr); // curl prints the SOCKS5 REP: 5 = connection refused

        (exit, _, stderr) = await RunCurlAsync("--proxytunnel", "-x", $"http://127.0.0.1:{proxyPort}", $"http://127.0.0.1:{closed}/");
        Assert.Equal(56, exit); // CURLE_RECV_ERROR: CONNECT tunnel failed
        Assert.Contains("502", stderr);
    }
}

/// <summary>A minimal loopback HTTP/1.0 server: reads a request head and answers 200 with a fixed body.</summary>
internal sealed class TinyHttpResponder : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _response;
    private readonly Task _acceptLoop;

    public TinyHttpResponder(string body)
    {
        _response = Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        using (socket)
        {
            try
            {
                var head = new List<byte>();
                var buffer = new byte[1024];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!Encoding.ASCII.GetString([.. head]).Contains("\r\n\r\n", StringComparison.Ordinal) && head.Count < 16384)
                {
                    int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    if (n == 0) return;
                    head.AddRange(buffer.AsSpan(0, n));
                }
                await socket.SendAsync(_response, SocketFlags.None);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
    }
}
