using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Keys;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Tests.Server;

namespace SshTunnel.Tests.Reconnect;

/// <summary>
/// An in-process <see cref="SshServer"/> on 127.0.0.1 that can be stopped (every session closed, as when the gateway
/// is killed or restarted) and started again on the same port, with the same or a new host key. One user: alice.
/// </summary>
internal sealed class RestartableServer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private SshServer? _server;

    private RestartableServer(SshPrivateKey userKey) => UserKey = userKey;

    public SshPrivateKey HostKey { get; private set; } = null!;
    public SshPrivateKey UserKey { get; }
    public int Port { get; private set; }
    public ListLogger Log { get; } = new();
    public int Starts { get; private set; }

    /// <summary>Starts on a free port with a new host key; <paramref name="userKey"/> (else a new one) is alice's key.</summary>
    public static async Task<RestartableServer> StartAsync(SshPrivateKey? userKey = null)
    {
        var server = new RestartableServer(userKey ?? Ed25519PrivateKey.Generate());
        await server.StartCoreAsync(Ed25519PrivateKey.Generate(), StablePorts.Pick());
        return server;
    }

    /// <summary>Closes the listener and every session (SSH_MSG_DISCONNECT, then TCP close).</summary>
    public async Task StopAsync()
    {
        SshServer? server = _server;
        _server = null;
        if (server is not null) await server.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    /// <summary>Starts again on the same port, with the same host key unless <paramref name="newHostKey"/> is given.</summary>
    public Task StartAgainAsync(SshPrivateKey? newHostKey = null) => StartCoreAsync(newHostKey ?? HostKey, Port);

    private async Task StartCoreAsync(SshPrivateKey hostKey, int port)
    {
        HostKey = hostKey;
        SshPublicKey user = UserKey.PublicKey;
        var server = new SshServer(new SshServerOptions
        {
            HostKeys = [hostKey],
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            AuthorizePublicKeyAsync = (context, ct) => ValueTask.FromResult(
                context.UserName == "alice" && context.Key.Equals(user) ? new ForwardingPolicy(new ForwardingSettings(), AuthorizedKeyOptions.Default) : null),
            Logger = Log,
        });
        // A restart binds the same port again: if the kernel has not yet released the previous listener (its close can
        // trail the dispose while an accept is being torn down), try again for a bounded time.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await server.StartAsync();
                break;
            }
            catch (IOException) when (attempt < 20 && port != 0)
            {
                await server.DisposeAsync();
                await Task.Delay(100);
                server = new SshServer(server.Options);
            }
        }
        _server = server;
        Port = server.ListenEndPoints[0].Port;
        Starts++;
    }

    /// <summary>Client settings for alice that trust exactly the current host key (as known_hosts would after the first connection).</summary>
    public SshClientOptions ClientOptions(ILogger? logger = null, Func<CancellationToken, ValueTask<Stream>>? connect = null)
    {
        SshPublicKey trusted = HostKey.PublicKey;
        return new SshClientOptions
        {
            Host = "127.0.0.1",
            Port = Port,
            Authentication = new ClientAuthenticationOptions
            {
                UserName = "alice",
                Host = "127.0.0.1",
                IdentityAgent = "none",
                BatchMode = true,
                Identities = [new ClientIdentity(UserKey)],
            },
            VerifyHostKeyAsync = (context, ct) => ValueTask.FromResult(context.Key.Equals(trusted)),
            ConnectTimeout = Timeout,
            ConnectCallback = connect,
            Logger = logger,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        UserKey.Dispose();
    }
}

/// <summary>
/// Ports for listeners that must be bound again after a gap (a restarted server, a re-requested -R): taken below the
/// kernel's ephemeral range, so that no other test's outgoing connection can be given the port during the gap.
/// </summary>
internal static class StablePorts
{
    public static int Pick()
    {
        int low = 32768;
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            low = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // not Linux: keep the usual default
        }
        int floor = Math.Min(10000, low / 2);
        for (int i = 0; i < 50; i++)
        {
            int port = Random.Shared.Next(floor, low);
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // in use: try another
            }
        }
        throw new InvalidOperationException("no free port below the ephemeral range");
    }
}

/// <summary>Records a <see cref="ReconnectingSshClient"/>'s events; tests wait (bounded) for the n-th of a kind.</summary>
internal sealed class ReconnectEventLog
{
    private readonly List<ReconnectEventArgs> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReconnectEventLog(ReconnectingSshClient session) => session.StateChanged += (_, e) => Add(e);

    public IReadOnlyList<ReconnectEventArgs> Events
    {
        get { lock (_events) return [.. _events]; }
    }

    public IReadOnlyList<ReconnectEventArgs> OfKind(ReconnectEventKind kind) => [.. Events.Where(e => e.Kind == kind)];

    private void Add(ReconnectEventArgs e)
    {
        TaskCompletionSource changed;
        lock (_events)
        {
            _events.Add(e);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits until <paramref name="count"/> events of <paramref name="kind"/> were raised; returns the last of them.</summary>
    public async Task<ReconnectEventArgs> WaitForAsync(ReconnectEventKind kind, int count = 1, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? RestartableServer.Timeout);
        while (true)
        {
            Task changed;
            lock (_events)
            {
                ReconnectEventArgs[] matching = [.. _events.Where(e => e.Kind == kind)];
                if (matching.Length >= count) return matching[count - 1];
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"{kind} #{count} not raised; events: {string.Join(", ", Events.Select(e => $"{e.Kind}({e.Error?.Message})"))}");
            }
        }
    }
}

/// <summary>
/// A stream over a TCP connection that can be frozen: from then on nothing is delivered either way and nothing is
/// closed, as when a NAT drops the flow or a cable is pulled. Only keepalives can notice.
/// </summary>
internal sealed class FreezableStream(NetworkStream inner) : Stream
{
    private readonly TaskCompletionSource _frozen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposed = new();

    public static async ValueTask<FreezableStream> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        return new FreezableStream(new NetworkStream(socket, ownsSocket: true));
    }

    public void Freeze() => _frozen.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_frozen.Task.IsCompleted)
        {
            Task<int> read = inner.ReadAsync(buffer, cancellationToken).AsTask();
            if (await Task.WhenAny(read, _frozen.Task) == read) return await read;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        await Task.Delay(System.Threading.Timeout.Infinite, stop.Token);
        return 0;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_frozen.Task.IsCompleted) await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task FlushAsync(CancellationToken cancellationToken) => _frozen.Task.IsCompleted ? Task.CompletedTask : inner.FlushAsync(cancellationToken);
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed.Cancel();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

internal static class EchoClient
{
    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>, sends <paramref name="text"/> and reads the same number of bytes back.</summary>
    public static async Task<string> RoundTripAsync(int port, string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? RestartableServer.Timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        byte[] sent = System.Text.Encoding.ASCII.GetBytes(text);
        await socket.SendAsync(sent, SocketFlags.None, cts.Token);
        byte[] received = new byte[sent.Length];
        int total = 0;
        while (total < received.Length)
        {
            int n = await socket.ReceiveAsync(received.AsMemory(total), SocketFlags.None, cts.Token);
            if (n == 0) break;
            total += n;
        }
        return System.Text.Encoding.ASCII.GetString(received, 0, total);
    }
}
