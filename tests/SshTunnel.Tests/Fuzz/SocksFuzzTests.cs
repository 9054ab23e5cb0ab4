using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Forwarding;
using SshTunnel.Socks;
using SshTunnel.Tests.Server;
using SshTunnel.Tests.Socks;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the proxy handshake (SOCKS4/4a/5, HTTP CONNECT): in memory (only <see cref="SocksException"/>,
/// every request it accepts is well formed), then over loopback against a running dynamic forward (each malformed
/// client is answered or closed, and the listener goes on serving a valid client).
/// </summary>
public sealed class SocksFuzzTests
{
    private static readonly byte[][] Requests =
    [
        [5, 2, 0, 2, 5, 1, 0, 3, 11, .. "example.org"u8, 0, 80],
        [5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90],
        [5, 1, 0, 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 187],
        [4, 1, 0, 80, 10, 0, 0, 1, .. "user"u8, 0],
        [4, 1, 0x1f, 0x90, 0, 0, 0, 1, 0, .. "host.example"u8, 0],
        [.. "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n"u8],
        [.. "CONNECT [::1]:22 HTTP/1.0\n\n"u8],
    ];

    [Fact]
    public void Handshake_Mutated_OnlySocksException_AndAcceptedRequestsAreWellFormed()
    {
        var chunks = new Random(401);
        (_, int rejected) = FuzzRunner.Run(402, 4000, Requests, input =>
        {
            using var stream = new ScriptedStream(input, chunkSize: 1 + chunks.Next(input.Length + 1));
            Task<SocksRequest> read = SocksServerHandshake.ReadRequestAsync(stream, TimeSpan.FromSeconds(10));
            Assert.True(((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "handshake did not finish on a finite input");
            SocksRequest request = read.GetAwaiter().GetResult();
            Assert.InRange(request.Port, 0, 65535);
            Assert.False(string.IsNullOrEmpty(request.Host));
            Assert.True(request.Host.Length <= SocksServerHandshake.MaxNameLength, $"host of {request.Host.Length} characters accepted");
            Assert.DoesNotContain(request.Host, c => char.IsControl(c) || c == ' ');
        }, typeof(SocksException));
        Assert.True(rejected > 0);
    }

    [Fact]
    public void HttpConnect_HostLongerThanADnsName_IsRefusedWith400()
    {
        byte[] request = Encoding.ASCII.GetBytes("CONNECT " + new string('a', 300) + ":80 HTTP/1.1\r\n\r\n");
        using var stream = new ScriptedStream(request);
        var e = Assert.Throws<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).GetAwaiter().GetResult());
        Assert.True(e.ReplySent);
        Assert.StartsWith("HTTP/1.1 400 ", Encoding.ASCII.GetString(stream.Written), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamicForward_MalformedClients_AreClosed_AndTheListenerServesTheNext()
    {
        await using var echo = new EchoServer();
        int opens = 0;
        // The valid client asks for echo.test:7 and gets the echo server; the mutants (which a mutation practically
        // never turns into that name) get a target that ends at once, so an accepted mutant's tunnel closes too.
        await using DynamicForward forward = await DynamicForward.StartAsync("127.0.0.1", 0, async (host, port, originator, originatorPort, ct) =>
        {
            Interlocked.Increment(ref opens);
            if (host != "echo.test" || port != 7) return new MemoryStream([], writable: false);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, echo.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }, new DynamicForwardOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        int proxyPort = forward.ListenEndPoints[0].Port;

        var mutator = new Mutator(403);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int sent = 0;
        for (int i = 0; i < 300 && clock.Elapsed < FuzzRunner.Budget; i++, sent++)
        {
            byte[] input = mutator.Mutate(Requests[i % Requests.Length]);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(IPAddress.Loopback, proxyPort);
            await client.SendAsync(input, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            // Whatever the input, the proxy answers or not and then closes: read to EOF, bounded.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            byte[] buffer = new byte[4096];
            try
            {
                while (await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // reset by the proxy: closed too
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"proxy kept malformed client {i} open: {Convert.ToHexString(input)}");
            }
        }
        Assert.True(sent >= 20, $"only {sent} clients in the time budget");
        Assert.False(forward.Stopped.IsCancellationRequested);
        Assert.True(opens > 0, "no mutant got as far as a channel open: the loop tested only the first checks");

        // The next, valid, client is served end to end.
        using var good = new TcpClient();
        await good.ConnectAsync(IPAddress.Loopback, proxyPort);
        NetworkStream stream = good.GetStream();
        await stream.WriteAsync((byte[])[5, 1, 0, 5, 1, 0, 3, 9, .. "echo.test"u8, 0, 7]);
        byte[] reply = new byte[12];
        await stream.ReadExactlyAsync(reply).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 5, 0 }, reply[..2]); // method: no authentication
        Assert.Equal(new byte[] { 5, 0, 0, 1 }, reply[2..6]); // CONNECT succeeded
        await stream.WriteAsync("ping"u8.ToArray());
        byte[] echoed = new byte[4];
        await stream.ReadExactlyAsync(echoed).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("ping"u8.ToArray(), echoed);
    }
}
