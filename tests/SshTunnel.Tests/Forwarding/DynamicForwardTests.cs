using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Socks;
using SshTunnel.Tests.Connection;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Forwarding;

public class DynamicForwardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The fake "channel": connects straight to the destination over loopback, mapping errors like the gateway does.</summary>
    internal static async ValueTask<Stream> DirectOpenAsync(string host, int port, string originatorAddress, int originatorPort, CancellationToken cancellationToken)
    {
        Socket socket = await DirectTcpipConnector.ConnectAsync(host, port, TimeSpan.FromSeconds(5), cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static DynamicForwardOptions Options(ILogger? logger = null, TimeSpan? requestTimeout = null) => new()
    {
        AddressFamily = AddressFamily.InterNetwork,
        Logger = logger,
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30),
    };

    internal static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WithTimeout(Timeout);
        return socket;
    }

    internal static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        int received = 0;
        while (received < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None).AsTask().WithTimeout(Timeout);
            if (n == 0) throw new EndOfStreamException($"EOF after {received} of {count} bytes");
            received += n;
        }
        return buffer;
    }

    internal static async Task<byte[]> ReceiveToEndAsync(Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WithTimeout(Timeout);
            if (n == 0) return all.ToArray();
            all.Write(buffer, 0, n);
        }
    }

    private static async Task SendAsync(Socket socket, byte[] data) => await socket.SendAsync(data.AsMemory(), SocketFlags.None).AsTask().WithTimeout(Timeout);

    private static byte[] Socks5Ipv4Request(IPEndPoint target)
    {
        byte[] request = [0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, (byte)(target.Port >> 8), (byte)target.Port];
        target.Address.TryWriteBytes(request.AsSpan(7, 4), out _);
        return request;
    }

    private static byte[] Socks5DomainRequest(string host, int port)
    {
        byte[] name = Encoding.ASCII.GetBytes(host);
        return [0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port];
    }

    /// <summary>Sends a SOCKS5 CONNECT; returns the 10-byte reply (after the 2-byte method selection, which is checked).</summary>
    private static async Task<byte[]> Socks5ConnectAsync(Socket socket, byte[] request)
    {
        await SendAsync(socket, request);
        Assert.Equal("0500", Convert.ToHexString(await ReceiveExactlyAsync(socket, 2)));
        return await ReceiveExactlyAsync(socket, 10);
    }

    private static async Task<string> ReadHttpHeadAsync(Socket socket)
    {
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            head.Append((char)(await ReceiveExactlyAsync(socket, 1))[0]);
            Assert.True(head.Length < 4096);
        }
        return head.ToString();
    }

    [Fact]
    public async Task Socks5_ipv4_round_trip()
    {
        await using var echo = new LoopbackEchoServer();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, Options()).WithTimeout(Timeout);
        Assert.Single(forward.ListenEndPoints);
        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(client, Socks5Ipv4Request(echo.EndPoint))));
        await SendAsync(client, "hello through socks"u8.ToArray());
        Assert.Equal("hello through socks", Encoding.ASCII.GetString(await ReceiveExactlyAsync(client, 19)));
    }

    [Fact]
    public async Task Socks5_domain_name_reaches_the_gateway_unresolved_with_the_originator()
    {
        await using var echo = new LoopbackEchoServer();
        var seen = new ConcurrentQueue<(string Host, int Port, string OriginatorAddress, int OriginatorPort)>();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, (h, p, oa, op, ct) =>
        {
            seen.Enqueue((h, p, oa, op));
            return DirectOpenAsync("127.0.0.1", p, oa, op, ct);
        }, Options()).WithTimeout(Timeout);
        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(client, Socks5DomainRequest("echo.test.invalid", echo.EndPoint.Port))));
        await SendAsync(client, "x"u8.ToArray());
        Assert.Equal("x", Encoding.ASCII.GetString(await ReceiveExactlyAsync(client, 1)));
        (string host, int port, string originatorAddress, int originatorPort) = Assert.Single(seen);
        Assert.Equal("echo.test.invalid", host);
        Assert.Equal(echo.EndPoint.Port, port);
        Assert.Equal("127.0.0.1", originatorAddress);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, originatorPort);
    }

    [Fact]
    public async Task Socks4_and_socks4a_round_trip()
    {
        await using var echo = new LoopbackEchoServer();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, (h, p, oa, op, ct) =>
            DirectOpenAsync(h == "gateway-name" ? "127.0.0.1" : h, p, oa, op, ct), Options()).WithTimeout(Timeout);
        byte hi = (byte)(echo.EndPoint.Port >> 8), lo = (byte)echo.EndPoint.Port;

        using Socket socks4 = await ConnectAsync(forward.ListenEndPoints[0]);
        await SendAsync(socks4, [0x04, 0x01, hi, lo, 127, 0, 0, 1, (byte)'u', 0]);
        Assert.Equal("005A000000000000", Convert.ToHexString(await ReceiveExactlyAsync(socks4, 8)));
        await SendAsync(socks4, "four"u8.ToArray());
        Assert.Equal("four", Encoding.ASCII.GetString(await ReceiveExactlyAsync(socks4, 4)));

        using Socket socks4a = await ConnectAsync(forward.ListenEndPoints[0]);
        await SendAsync(socks4a, [0x04, 0x01, hi, lo, 0, 0, 0, 1, 0, .. "gateway-name"u8, 0]);
        Assert.Equal("005A000000000000", Convert.ToHexString(await ReceiveExactlyAsync(socks4a, 8)));
        await SendAsync(socks4a, "four-a"u8.ToArray());
        Assert.Equal("four-a", Encoding.ASCII.GetString(await ReceiveExactlyAsync(socks4a, 6)));
    }

    [Fact]
    public async Task Http_connect_round_trip_on_the_same_port()
    {
        await using var echo = new LoopbackEchoServer();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, Options()).WithTimeout(Timeout);
        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        await SendAsync(client, Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{echo.EndPoint.Port} HTTP/1.1\r\nHost: 127.0.0.1:{echo.EndPoint.Port}\r\n\r\nearly"));
        Assert.Equal("HTTP/1.1 200 Connection established\r\n\r\n", await ReadHttpHeadAsync(client));
        // "early" was sent with the request, before the 200: it still reaches the destination first.
        Assert.Equal("early", Encoding.ASCII.GetString(await ReceiveExactlyAsync(client, 5)));
        await SendAsync(client, "late"u8.ToArray());
        Assert.Equal("late", Encoding.ASCII.GetString(await ReceiveExactlyAsync(client, 4)));
    }

    [Fact]
    public async Task Refused_destination_gets_refused_replies_and_a_log_line()
    {
        var logger = new ListLogger();
        int closedPort = LoopbackEchoServer.UnusedPort();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, Options(logger)).WithTimeout(Timeout);

        using (Socket socks5 = await ConnectAsync(forward.ListenEndPoints[0]))
        {
            Assert.Equal("05050001000000000000", Convert.ToHexString(await Socks5ConnectAsync(socks5, Socks5Ipv4Request(new IPEndPoint(IPAddress.Loopback, closedPort)))));
            Assert.Empty(await ReceiveToEndAsync(socks5));
        }
        using (Socket socks4 = await ConnectAsync(forward.ListenEndPoints[0]))
        {
            await SendAsync(socks4, [0x04, 0x01, (byte)(closedPort >> 8), (byte)closedPort, 127, 0, 0, 1, 0]);
            Assert.Equal("005B000000000000", Convert.ToHexString(await ReceiveToEndAsync(socks4)));
        }
        using (Socket http = await ConnectAsync(forward.ListenEndPoints[0]))
        {
            await SendAsync(http, Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{closedPort} HTTP/1.1\r\n\r\n"));
            string response = Encoding.ASCII.GetString(await ReceiveToEndAsync(http));
            Assert.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", response);
            Assert.EndsWith("502 Bad Gateway: Connection refused\n", response);
        }
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Information && l.Text.EndsWith("open failed: connect failed: Connection refused", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ChannelOpenFailureReason.AdministrativelyProhibited, "open denied", 0x02, "403 Forbidden")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "Connection refused", 0x05, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "Name or service not known", 0x04, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "Temporary failure in name resolution", 0x04, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "getaddrinfo: nodename nor servname provided, or not known", 0x04, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "No route to host", 0x04, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "Network is unreachable", 0x03, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "Connection timed out", 0x06, "504 Gateway Timeout")]
    [InlineData(ChannelOpenFailureReason.ConnectFailed, "something else", 0x01, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.ResourceShortage, "too many channels", 0x01, "502 Bad Gateway")]
    [InlineData(ChannelOpenFailureReason.UnknownChannelType, "unknown channel type", 0x01, "502 Bad Gateway")]
    public async Task Channel_open_failures_map_to_reply_codes(ChannelOpenFailureReason reason, string description, int socks5Reply, string httpStatus)
    {
        var exception = new ChannelOpenFailedException(7, reason, description);
        Assert.Equal((SocksReplyCode)socks5Reply, DynamicForward.MapChannelOpenFailure(exception));

        var logger = new ListLogger();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0,
            (h, p, oa, op, ct) => ValueTask.FromException<Stream>(new ChannelOpenFailedException(7, reason, description)), Options(logger)).WithTimeout(Timeout);
        using (Socket socks5 = await ConnectAsync(forward.ListenEndPoints[0]))
        {
            byte[] reply = await Socks5ConnectAsync(socks5, Socks5DomainRequest("target.example", 443));
            Assert.Equal($"05{socks5Reply:X2}0001000000000000", Convert.ToHexString(reply));
            Assert.Empty(await ReceiveToEndAsync(socks5));
        }
        using (Socket http = await ConnectAsync(forward.ListenEndPoints[0]))
        {
            await SendAsync(http, "CONNECT target.example:443 HTTP/1.1\r\n\r\n"u8.ToArray());
            Assert.StartsWith($"HTTP/1.1 {httpStatus}\r\n", Encoding.ASCII.GetString(await ReceiveToEndAsync(http)));
        }
        string reasonText = ChannelOpenFailedException.ReasonText(reason);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Information && l.Text == $"channel 7: open failed: {reasonText}: {description}");
    }

    [Fact]
    public async Task Success_is_sent_only_once_the_channel_is_open()
    {
        await using var echo = new LoopbackEchoServer();
        var invoked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, async (h, p, oa, op, ct) =>
        {
            invoked.SetResult();
            await release.Task.WaitAsync(ct);
            return await DirectOpenAsync(h, p, oa, op, ct);
        }, Options()).WithTimeout(Timeout);
        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        await SendAsync(client, Socks5Ipv4Request(echo.EndPoint));
        Assert.Equal("0500", Convert.ToHexString(await ReceiveExactlyAsync(client, 2)));
        await invoked.Task.WithTimeout(Timeout);
        Assert.Equal(0, client.Available); // the channel is still opening: no reply yet
        release.SetResult();
        Assert.Equal("05000001000000000000", Convert.ToHexString(await ReceiveExactlyAsync(client, 10)));
    }

    [Fact]
    public async Task Fifty_concurrent_connections()
    {
        await using var echo = new LoopbackEchoServer();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, Options()).WithTimeout(Timeout);
        IEnumerable<Task> clients = Enumerable.Range(0, 50).Select(async i =>
        {
            using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
            byte[] request = i % 2 == 0 ? Socks5Ipv4Request(echo.EndPoint) : Socks5DomainRequest("127.0.0.1", echo.EndPoint.Port);
            Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(client, request)));
            byte[] payload = Encoding.ASCII.GetBytes($"connection {i:D2} " + new string((char)('a' + i % 26), 2000));
            await SendAsync(client, payload);
            Assert.Equal(payload, await ReceiveExactlyAsync(client, payload.Length));
        });
        await Task.WhenAll(clients).WithTimeout(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Silent_client_times_out_and_only_its_socket_closes()
    {
        await using var echo = new LoopbackEchoServer();
        var logger = new ListLogger();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync,
            Options(logger, requestTimeout: TimeSpan.FromMilliseconds(300))).WithTimeout(Timeout);

        using Socket busy = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(busy, Socks5Ipv4Request(echo.EndPoint))));

        using Socket silent = await ConnectAsync(forward.ListenEndPoints[0]);
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(await ReceiveToEndAsync(silent)); // closed by the server, no reply
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));

        // The established tunnel (older than the timeout) and the listener are undisturbed.
        await SendAsync(busy, "still here"u8.ToArray());
        Assert.Equal("still here", Encoding.ASCII.GetString(await ReceiveExactlyAsync(busy, 10)));
        using Socket next = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(next, Socks5Ipv4Request(echo.EndPoint))));
        Assert.False(forward.Stopped.IsCancellationRequested);
        await logger.WaitForAsync(l => l.Level == LogLevel.Debug && l.Text.Contains("no complete proxy request", StringComparison.Ordinal), Timeout);
    }

    [Theory]
    [InlineData("16030100050100000000", "")]                          // TLS ClientHello: not a proxy request
    [InlineData("050102", "05FF")]                                  // SOCKS5 with username/password only
    [InlineData("05010005020001000000000050", "050005070001000000000000")] // BIND
    [InlineData("0401005000000001000000", "005B000000000000")]      // SOCKS4a with an empty host name
    public async Task Bad_requests_are_answered_and_closed_without_disturbing_others(string requestHex, string expectedHex)
    {
        await using var echo = new LoopbackEchoServer();
        int opens = 0;
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, (h, p, oa, op, ct) =>
        {
            Interlocked.Increment(ref opens);
            return DirectOpenAsync(h, p, oa, op, ct);
        }, Options()).WithTimeout(Timeout);
        using Socket good = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(good, Socks5Ipv4Request(echo.EndPoint))));

        using Socket bad = await ConnectAsync(forward.ListenEndPoints[0]);
        await SendAsync(bad, Convert.FromHexString(requestHex));
        Assert.Equal(expectedHex, Convert.ToHexString(await ReceiveToEndAsync(bad)));

        await SendAsync(good, "ok"u8.ToArray());
        Assert.Equal("ok", Encoding.ASCII.GetString(await ReceiveExactlyAsync(good, 2)));
        Assert.Equal(1, opens);
    }

    [Fact]
    public async Task Half_close_through_an_ssh_channel()
    {
        await using var echo = new LoopbackEchoServer(suffixOnEof: "<eof>");
        await using var pair = new ConnectionTestPair(serverOpenHandler: open => DirectTcpipConnector.HandleAsync(open, TimeSpan.FromSeconds(5)));
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0,
            async (h, p, oa, op, ct) => (await pair.Client.OpenDirectTcpipAsync(h, (uint)p, oa, (uint)op, ct)).Stream,
            Options()).WithTimeout(Timeout);

        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        Assert.Equal("05000001000000000000", Convert.ToHexString(await Socks5ConnectAsync(client, Socks5DomainRequest("127.0.0.1", echo.EndPoint.Port))));
        await SendAsync(client, "ping"u8.ToArray());
        Assert.Equal("ping", Encoding.ASCII.GetString(await ReceiveExactlyAsync(client, 4)));
        client.Shutdown(SocketShutdown.Send); // FIN → CHANNEL_EOF → the destination sees EOF, yet may still answer
        Assert.Equal("<eof>", Encoding.ASCII.GetString(await ReceiveToEndAsync(client)));
    }

    [Fact]
    public async Task Refused_through_an_ssh_channel_is_socks5_0x05()
    {
        var logger = new ListLogger();
        await using var pair = new ConnectionTestPair(serverOpenHandler: open => DirectTcpipConnector.HandleAsync(open, TimeSpan.FromSeconds(5)));
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0,
            async (h, p, oa, op, ct) => (await pair.Client.OpenDirectTcpipAsync(h, (uint)p, oa, (uint)op, ct)).Stream,
            Options(logger)).WithTimeout(Timeout);
        using Socket client = await ConnectAsync(forward.ListenEndPoints[0]);
        byte[] reply = await Socks5ConnectAsync(client, Socks5Ipv4Request(new IPEndPoint(IPAddress.Loopback, LoopbackEchoServer.UnusedPort())));
        Assert.True("05050001000000000000" == Convert.ToHexString(reply), string.Join("\n", logger.Lines));
        Assert.Contains(logger.Lines, l => System.Text.RegularExpressions.Regex.IsMatch(l.Text, @"^channel \d+: open failed: connect failed: Connection refused$"));
    }

    [Fact]
    public async Task ServeAsync_serves_an_accepted_stream_to_a_socket_destination()
    {
        await using var echo = new LoopbackEchoServer(suffixOnEof: "<eof>");
        (InMemoryDuplexStream proxyClient, InMemoryDuplexStream served) = InMemoryDuplexStream.CreatePair();
        Task serving = DynamicForward.ServeAsync(served, "203.0.113.9", 4242, DirectOpenAsync);
        await proxyClient.WriteAsync(Socks5Ipv4Request(echo.EndPoint));
        var reply = new byte[12];
        await proxyClient.ReadExactlyAsync(reply).AsTask().WithTimeout(Timeout);
        Assert.Equal("050005000001000000000000", Convert.ToHexString(reply));
        await proxyClient.WriteAsync("via serve"u8.ToArray());
        var echoed = new byte[9];
        await proxyClient.ReadExactlyAsync(echoed).AsTask().WithTimeout(Timeout);
        Assert.Equal("via serve", Encoding.ASCII.GetString(echoed));
        proxyClient.Dispose();
        await serving.WithTimeout(Timeout);
    }

    [Fact]
    public async Task ServeAsync_relays_between_two_plain_streams_and_times_out_silent_clients()
    {
        (InMemoryDuplexStream proxyClient, InMemoryDuplexStream served) = InMemoryDuplexStream.CreatePair();
        (InMemoryDuplexStream destination, InMemoryDuplexStream opened) = InMemoryDuplexStream.CreatePair();
        Task serving = DynamicForward.ServeAsync(served, "::1", 1, (h, p, oa, op, ct) => ValueTask.FromResult<Stream>(opened));
        await proxyClient.WriteAsync("CONNECT [2001:db8::1]:22 HTTP/1.1\r\n\r\n"u8.ToArray());
        var head = new byte["HTTP/1.1 200 Connection established\r\n\r\n".Length];
        await proxyClient.ReadExactlyAsync(head).AsTask().WithTimeout(Timeout);
        Assert.Equal("HTTP/1.1 200 Connection established\r\n\r\n", Encoding.ASCII.GetString(head));
        await proxyClient.WriteAsync("up"u8.ToArray());
        var up = new byte[2];
        await destination.ReadExactlyAsync(up).AsTask().WithTimeout(Timeout);
        Assert.Equal("up", Encoding.ASCII.GetString(up));
        await destination.WriteAsync("down"u8.ToArray());
        var down = new byte[4];
        await proxyClient.ReadExactlyAsync(down).AsTask().WithTimeout(Timeout);
        Assert.Equal("down", Encoding.ASCII.GetString(down));
        proxyClient.Dispose();
        destination.Dispose();
        await serving.WithTimeout(Timeout);

        (InMemoryDuplexStream silentClient, InMemoryDuplexStream silentServed) = InMemoryDuplexStream.CreatePair();
        await DynamicForward.ServeAsync(silentServed, "127.0.0.1", 1, (h, p, oa, op, ct) => throw new InvalidOperationException("must not open"),
            new DynamicForwardOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) }).WithTimeout(Timeout);
        Assert.Equal(0, await silentClient.ReadAsync(new byte[1]).AsTask().WithTimeout(Timeout));
    }

    [Fact]
    public async Task Dispose_stops_listening_and_frees_the_port()
    {
        DynamicForward forward = await DynamicForward.StartAsync(null, 0, DirectOpenAsync, Options()).WithTimeout(Timeout);
        IPEndPoint endPoint = forward.ListenEndPoints[0];
        Assert.True(IPAddress.IsLoopback(endPoint.Address));
        forward.ThrowIfStopped();
        await forward.DisposeAsync().AsTask().WithTimeout(Timeout);
        Assert.True(forward.Stopped.IsCancellationRequested);
        Assert.Throws<ObjectDisposedException>(forward.ThrowIfStopped);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketException refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(endPoint).WithTimeout(Timeout));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await forward.DisposeAsync(); // idempotent
    }

    [Fact]
    public async Task Connection_closed_stops_the_forward()
    {
        using var connectionClosed = new CancellationTokenSource();
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync,
            new DynamicForwardOptions { ConnectionClosed = connectionClosed.Token }).WithTimeout(Timeout);
        await connectionClosed.CancelAsync();
        Assert.True(forward.Stopped.IsCancellationRequested);
        Assert.Throws<SshConnectionException>(forward.ThrowIfStopped);
    }

    [Fact]
    public async Task Invalid_request_timeout_is_rejected_up_front()
    {
        var options = new DynamicForwardOptions { RequestTimeout = TimeSpan.Zero };
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, options));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = DynamicForward.ServeAsync(new MemoryStream(), "127.0.0.1", 1, DirectOpenAsync, options); });
    }

    [Fact]
    public async Task Port_in_use_is_a_ForwardBindException()
    {
        await using DynamicForward first = await DynamicForward.StartAsync("127.0.0.1", 0, DirectOpenAsync, Options()).WithTimeout(Timeout);
        int port = first.ListenEndPoints[0].Port;
        ForwardBindException ex = await Assert.ThrowsAsync<ForwardBindException>(() => DynamicForward.StartAsync("127.0.0.1", port, DirectOpenAsync, Options()));
        Assert.Equal($"channel_setup_fwd_listener_tcpip: cannot listen to port: {port}", ex.Message);
    }
}

/// <summary>A loopback TCP echo server: echoes until EOF, then writes an optional suffix and closes its side.</summary>
internal sealed class LoopbackEchoServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _suffix;
    private readonly ConcurrentBag<Socket> _connections = [];
    private readonly Task _acceptLoop;

    public LoopbackEchoServer(string suffixOnEof = "")
    {
        _suffix = Encoding.ASCII.GetBytes(suffixOnEof);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>A loopback port with nothing listening (connects are refused).</summary>
    public static int UnusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

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
            _connections.Add(socket);
            _ = EchoAsync(socket);
        }
    }

    private async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) break;
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
            if (_suffix.Length > 0) await socket.SendAsync(_suffix, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        foreach (Socket socket in _connections) socket.Dispose();
    }
}

/// <summary>Collects formatted log lines.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyCollection<(LogLevel Level, string Text)> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _lines.Enqueue((logLevel, formatter(state, exception)));
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits (bounded) until a line matches: a line may be written just after the socket it is about closed.</summary>
    public async Task WaitForAsync(Func<(LogLevel Level, string Text), bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed = Volatile.Read(ref _changed).Task;
            if (_lines.Any(match)) return;
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("log line not seen; log:\n" + string.Join("\n", _lines.Select(l => l.Text)));
            }
        }
    }
}
