using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Connection;
using SshTunnel.Keys;
using SshTunnel.Server;
using SshTunnel.Server.Policy;
using SshTunnel.Transport;

namespace SshTunnel.Tests.Server;

/// <summary>Collects log lines and lets a test wait (bounded) for one to appear.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    public string Text => string.Join("\n", Lines);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        TaskCompletionSource changed;
        lock (_lines)
        {
            _lines.Add(formatter(state, exception));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits until a line contains <paramref name="text"/>; fails after <paramref name="timeout"/> with the log attached.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                string? line = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (line is not null) return line;
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"log line containing \"{text}\" not seen; log:\n{Text}");
            }
        }
    }
}

/// <summary>A TCP echo server on 127.0.0.1 (the forwarding target).</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public EchoServer()
    {
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    byte[] buffer = new byte[16384];
                    try
                    {
                        int n;
                        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                        }
                        socket.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception)
                    {
                        // test over
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
    }
}

/// <summary>An in-process <see cref="SshServer"/> on 127.0.0.1 with one user (alice) and one key.</summary>
internal sealed class InProcessGateway : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private InProcessGateway(SshServer server, SshPrivateKey hostKey, SshPrivateKey userKey, ListLogger log)
    {
        Server = server;
        HostKey = hostKey;
        UserKey = userKey;
        Log = log;
    }

    public SshServer Server { get; }
    public SshPrivateKey HostKey { get; }
    public SshPrivateKey UserKey { get; }
    public ListLogger Log { get; }
    public int Port => Server.ListenEndPoints[0].Port;

    public static async Task<InProcessGateway> StartAsync(ForwardingSettings? settings = null, string? keyOptions = null,
        Func<SshServerOptions, SshServerOptions>? configure = null)
    {
        SshPrivateKey hostKey = Ed25519PrivateKey.Generate();
        SshPrivateKey userKey = Ed25519PrivateKey.Generate();
        var log = new ListLogger();
        ForwardingSettings forwarding = settings ?? new ForwardingSettings();
        AuthorizedKeyOptions options = keyOptions is null ? AuthorizedKeyOptions.Default : AuthorizedKeyOptions.Parse(keyOptions);
        var serverOptions = new SshServerOptions
        {
            HostKeys = [hostKey],
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            AuthorizePublicKeyAsync = (context, ct) => ValueTask.FromResult(
                context.UserName == "alice" && context.Key.Equals(userKey.PublicKey) ? new ForwardingPolicy(forwarding, options) : null),
            Logger = log,
        };
        if (configure is not null) serverOptions = configure(serverOptions);
        var server = new SshServer(serverOptions);
        await server.StartAsync();
        return new InProcessGateway(server, hostKey, userKey, log);
    }

    public static SshServerOptions With(SshServerOptions o, TimeSpan? loginGraceTime = null, StartupLimits? maxStartups = null, int? maxAuthTries = null) => new()
    {
        HostKeys = o.HostKeys,
        ListenEndPoints = o.ListenEndPoints,
        AuthorizePublicKeyAsync = o.AuthorizePublicKeyAsync,
        Logger = o.Logger,
        LoginGraceTime = loginGraceTime ?? o.LoginGraceTime,
        MaxStartups = maxStartups ?? o.MaxStartups,
        MaxAuthTries = maxAuthTries ?? o.MaxAuthTries,
    };

    /// <summary>Our public client, authenticated as alice.</summary>
    public Task<SshClient> ConnectAsync(params SshPrivateKey[] keys) => SshClient.ConnectAsync(new SshClientOptions
    {
        Host = "127.0.0.1",
        Port = Port,
        Authentication = new ClientAuthenticationOptions
        {
            UserName = "alice",
            Host = "127.0.0.1",
            IdentityAgent = "none",
            BatchMode = true,
            Identities = [.. (keys.Length == 0 ? [UserKey] : keys).Select(k => new ClientIdentity(k))],
        },
        VerifyHostKeyAsync = (context, ct) => ValueTask.FromResult(context.Key.Equals(HostKey.PublicKey)),
        ConnectTimeout = Timeout,
    });

    /// <summary>A connection-layer client (for tcpip-forward, which the public client does not offer).</summary>
    public async Task<RawClient> ConnectRawAsync(Func<IncomingChannelOpen, Task>? openHandler = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port);
        TransportConnection transport = await TransportConnection.EstablishAsync(new NetworkStream(socket, ownsSocket: true),
            new TransportSettings { VerifyHostKeyAsync = (k, ct) => ValueTask.FromResult(k.Equals(HostKey.PublicKey)) }).WaitAsync(Timeout);
        await ClientAuthenticator.AuthenticateAsync(transport, new ClientAuthenticationOptions
        {
            UserName = "alice",
            Host = "127.0.0.1",
            IdentityAgent = "none",
            BatchMode = true,
            Identities = [new ClientIdentity(UserKey)],
        }, CancellationToken.None).WaitAsync(Timeout);
        var connection = new SshConnection(transport) { ChannelOpenHandler = openHandler };
        connection.Start();
        return new RawClient(transport, connection);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        HostKey.Dispose();
        UserKey.Dispose();
    }
}

internal sealed class RawClient(TransportConnection transport, SshConnection connection) : IAsyncDisposable
{
    public SshConnection Connection => connection;

    public async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync();
        await transport.DisposeAsync();
    }
}
