using System.Net;
using System.Net.Sockets;
using SshTunnel.Server;

namespace SshTunnel.Tests.Server;

/// <summary>Accept-loop recovery, TCP keepalive and PerSourceMaxStartups of <see cref="SshServer"/>.</summary>
public sealed class ServerRobustnessTests
{
    private static readonly TimeSpan Timeout = InProcessGateway.Timeout;

    [Fact]
    public async Task AcceptLoop_UnexpectedSocketErrors_AreLoggedAndRetried_ThenAcceptsAgain()
    {
        var log = new ListLogger();
        using var stop = new CancellationTokenSource(Timeout);
        using var result = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        int calls = 0;
        var accepted = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask<Socket> Accept(CancellationToken ct)
        {
            int n = Interlocked.Increment(ref calls);
            if (n <= 3) throw new SocketException((int)SocketError.TooManyOpenSockets);
            if (n == 4) return ValueTask.FromResult(result);
            return new ValueTask<Socket>(Task.Delay(System.Threading.Timeout.Infinite, ct).ContinueWith<Socket>(_ => throw new OperationCanceledException(ct), TaskScheduler.Default));
        }
        Task loop = AcceptLoop.RunAsync(Accept, s => accepted.TrySetResult(s), log, stop.Token);
        Assert.Same(result, await accepted.Task.WaitAsync(Timeout));
        Assert.False(loop.IsCompleted);
        string[] errors = [.. log.Lines.Where(l => l.StartsWith("accept: ", StringComparison.Ordinal))];
        Assert.Equal(3, errors.Length);
        Assert.EndsWith("(retrying in 100 ms)", errors[0], StringComparison.Ordinal);
        Assert.EndsWith("(retrying in 200 ms)", errors[1], StringComparison.Ordinal);
        Assert.EndsWith("(retrying in 400 ms)", errors[2], StringComparison.Ordinal);
        await stop.CancelAsync();
        await loop.WaitAsync(Timeout); // ends quietly on cancellation
    }

    [Fact]
    public async Task AcceptLoop_ListenerDisposed_Ends()
    {
        var log = new ListLogger();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task loop = AcceptLoop.RunAsync(listener, s => s.Dispose(), log, CancellationToken.None);
        listener.Dispose();
        await loop.WaitAsync(Timeout);
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("accept: ", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal));
    }

    [Fact]
    public void AcceptLoop_Backoff_GrowsFrom100msTo1s()
    {
        TimeSpan b = TimeSpan.Zero;
        var seen = new List<int>();
        for (int i = 0; i < 6; i++) seen.Add((int)(b = AcceptLoop.NextBackoff(b)).TotalMilliseconds);
        Assert.Equal([100, 200, 400, 800, 1000, 1000], seen);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AcceptedSocket_GetsKeepAlivePerTcpKeepAlive(bool keepAlive)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using Socket accepted = await listener.AcceptAsync().WaitAsync(Timeout);
        accepted.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, !keepAlive);
        SshServer.ConfigureAcceptedSocket(accepted, new SshServerOptions { TcpKeepAlive = keepAlive });
        Assert.Equal(keepAlive, (int)accepted.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0);
        Assert.True(accepted.NoDelay);
    }

    [Fact]
    public void TcpKeepAlive_DefaultsOn()
    {
        Assert.True(new SshServerOptions().TcpKeepAlive);
        Assert.Equal(10, new SshServerOptions().PerSourceMaxStartups);
    }

    private static async Task<int> ReadSomeAsync(Socket socket)
    {
        byte[] buffer = new byte[256];
        try
        {
            return await socket.ReceiveAsync(buffer).WaitAsync(Timeout);
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task PerSourceMaxStartups_DropsExcessFromOneSource_OtherSourceAndAuthenticatedStillServed()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => new SshServerOptions
        {
            HostKeys = o.HostKeys,
            ListenEndPoints = o.ListenEndPoints,
            AuthorizePublicKeyAsync = o.AuthorizePublicKeyAsync,
            Logger = o.Logger,
            PerSourceMaxStartups = 2,
        });
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(idle);
                await idle.ConnectAsync(IPAddress.Loopback, gateway.Port);
                Assert.True(await ReadSomeAsync(idle) > 0); // version line: counted as unauthenticated
            }
            var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            sockets.Add(third);
            await third.ConnectAsync(IPAddress.Loopback, gateway.Port);
            Assert.Equal(0, await ReadSomeAsync(third));
            string line = await gateway.Log.WaitForAsync("past per-source limit");
            Assert.Matches(@"^drop connection #3 from \[127\.0\.0\.1\]:\d+ on \[127\.0\.0\.1\]:\d+ past per-source limit$", line);

            if (OperatingSystem.IsLinux())
            {
                // Another source address (all of 127/8 is loopback on Linux) is not affected.
                var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(other);
                other.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await other.ConnectAsync(IPAddress.Loopback, gateway.Port);
                Assert.True(await ReadSomeAsync(other) > 0);
            }

            // Closing an idle one frees its slot; an authenticated client does not hold one.
            sockets[0].Dispose();
            using var cts = new CancellationTokenSource(Timeout);
            while (gateway.Server.UnauthenticatedCount > (OperatingSystem.IsLinux() ? 2 : 1)) await Task.Delay(10, cts.Token);
            await using SshTunnel.Client.SshClient client = await gateway.ConnectAsync();
            // The server releases the client's startup slot right after sending USERAUTH_SUCCESS, which the client may
            // see first: wait for the count (bounded by the token) before the next connection.
            while (gateway.Server.UnauthenticatedCount > (OperatingSystem.IsLinux() ? 2 : 1)) await Task.Delay(10, cts.Token);
            var fourth = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            sockets.Add(fourth);
            await fourth.ConnectAsync(IPAddress.Loopback, gateway.Port);
            Assert.True(await ReadSomeAsync(fourth) > 0);
        }
        finally
        {
            foreach (Socket s in sockets) s.Dispose();
        }
    }
}
