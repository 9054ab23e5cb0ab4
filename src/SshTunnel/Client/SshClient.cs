using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Sockets;
using SshTunnel.Authentication;
using SshTunnel.Connection;
using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Keys;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Client;

/// <summary>
/// An authenticated SSH client connection (RFC 4251-4254): the transport, user authentication and the connection
/// layer, with forwarding on top. Dispose to disconnect.
/// </summary>
public sealed class SshClient : IAsyncDisposable
{
    private readonly TransportConnection _transport;
    private readonly SshConnection _connection;
    private readonly SshClientOptions _options;
    private readonly RemoteForwardTable _remoteForwards;

    private SshClient(TransportConnection transport, SshConnection connection, SshClientOptions options, RemoteForwardTable remoteForwards)
    {
        _transport = transport;
        _connection = connection;
        _options = options;
        _remoteForwards = remoteForwards;
    }

    /// <summary>The server's identification string, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10".</summary>
    public string ServerVersion => _transport.RemoteVersion;

    /// <summary>The user authentication method that succeeded (e.g. "publickey").</summary>
    public string AuthenticationMethod { get; private init; } = "";

    /// <summary>"[address]:port" of the server as connected (the host and port when reached through a jump host).</summary>
    public string RemoteEndPoint { get; private init; } = "";

    /// <summary>The server's host key, as verified.</summary>
    public SshPublicKey ServerHostKey => _transport.ServerHostKey!;

    /// <summary>The negotiated cipher (client to server).</summary>
    public string Cipher => _transport.Algorithms!.CipherClientToServer;

    /// <summary>The negotiated key exchange method.</summary>
    public string KeyExchange => _transport.Algorithms!.KeyExchange;

    /// <summary>Key exchanges completed so far (the initial one included), for tests and diagnostics.</summary>
    internal int KeyExchangeCount => _transport.KeyExchangeCount;

    /// <summary>Cancelled when the connection has closed.</summary>
    public CancellationToken Closed => _transport.Closed;

    /// <summary>Why the connection closed, once it has.</summary>
    public Exception? Failure => _connection.Failure;

    /// <summary>
    /// Connects, runs the key exchange (verifying the host key through <see cref="SshClientOptions.VerifyHostKeyAsync"/>)
    /// and authenticates, all under <see cref="SshClientOptions.ConnectTimeout"/>.
    /// </summary>
    /// <exception cref="SshConnectionException">TCP connect failed ("ssh: connect to host H port P: Connection refused"), or the connection dropped.</exception>
    /// <exception cref="SshHostKeyException">The host key was refused.</exception>
    /// <exception cref="SshAuthenticationException">No authentication method succeeded.</exception>
    /// <exception cref="SshProtocolException">The server broke the protocol or no algorithms matched.</exception>
    /// <exception cref="TimeoutException">ConnectTimeout elapsed.</exception>
    public static async Task<SshClient> ConnectAsync(SshClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.ConnectTimeout is { } limit) timeout.CancelAfter(limit);
        CancellationToken token = timeout.Token;
        TransportConnection? transport = null;
        try
        {
            Stream stream = options.ConnectCallback is { } connect
                ? await connect(token).ConfigureAwait(false)
                : await ConnectTcpAsync(options.Host, options.Port, options.AddressFamily, token).ConfigureAwait(false);
            string remoteEndPoint = stream is NetworkStream { Socket.RemoteEndPoint: IPEndPoint ip }
                ? $"[{ip.Address}]:{ip.Port}"
                : $"[{options.Host}]:{options.Port}";
            string hostKeyName = options.HostKeyAlias ?? options.Host;
            var settings = new TransportSettings
            {
                KexAlgorithms = options.KexAlgorithms,
                HostKeyAlgorithms = options.HostKeyAlgorithms,
                Ciphers = options.Ciphers,
                Macs = options.Macs,
                Compressions = options.Compression ? [AlgorithmNames.ZlibOpenSsh, AlgorithmNames.None] : [AlgorithmNames.None, AlgorithmNames.ZlibOpenSsh],
                RekeyBytes = options.RekeyBytes,
                RekeyInterval = options.RekeyInterval ?? TimeSpan.FromHours(1),
                PeerDescription = $"{options.Host} port {options.Port}",
                VerifyHostKeyAsync = (key, ct) =>
                {
                    // ConnectTimeout covers the connection and the handshake, as in OpenSSH, not the user's
                    // answers to prompts that may follow.
                    timeout.CancelAfter(Timeout.InfiniteTimeSpan);
                    return options.VerifyHostKeyAsync(new HostKeyContext(hostKeyName, options.Port, key), ct);
                },
            };
            transport = await TransportConnection.EstablishAsync(stream, settings, token).ConfigureAwait(false);
            string method = await ClientAuthenticator.AuthenticateAsync(transport, options.Authentication, token).ConfigureAwait(false);
            var connection = new SshConnection(transport, new SshConnectionOptions { ReceiveWindowSize = Math.Max(options.ReceiveWindowSize, 2u * 1024 * 1024) }, options.Logger);
            var remoteForwards = new RemoteForwardTable(options.Logger);
            connection.ChannelOpenHandler = open => open.ChannelType switch
            {
                ChannelTypes.ForwardedTcpip => remoteForwards.HandleAsync(open, connection.Closed),
                ChannelTypes.ForwardedStreamLocal => remoteForwards.HandleStreamLocalAsync(open, connection.Closed),
                _ => open.RejectAsync(ChannelOpenFailureReason.AdministrativelyProhibited, "open failed", connection.Closed),
            };
            connection.Start();
            return new SshClient(transport, connection, options, remoteForwards) { AuthenticationMethod = method, RemoteEndPoint = remoteEndPoint };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && options.ConnectTimeout is not null)
        {
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"ssh: connect to host {options.Host} port {options.Port}: Connection timed out");
        }
        catch
        {
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a TCP connection with TCP_NODELAY, trying each address in turn, with OpenSSH's error texts.</summary>
    private static async Task<Stream> ConnectTcpAsync(string host, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new SshConnectionException($"ssh: Could not resolve hostname {host}: {DescribeResolverError(e)}", DisconnectReason.None, e);
            }
        }
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            if (family != AddressFamily.Unspecified && address.AddressFamily != family) continue;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                return new QuickAckNetworkStream(socket);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new SshConnectionException($"ssh: connect to host {host} port {port}: {DescribeSocketError(last)}", DisconnectReason.None, last);
    }

    internal static string DescribeResolverError(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData => "Name or service not known",
        SocketError.TryAgain => "Temporary failure in name resolution",
        _ => e.Message,
    };

    internal static string DescribeSocketError(SocketException? e) => e?.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.TimedOut => "Connection timed out",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.HostUnreachable => "No route to host",
        null => "No address associated with hostname",
        _ => e.Message,
    };

    /// <summary>
    /// Opens a direct-tcpip channel (RFC 4254 §7.2): the server connects to <paramref name="host"/>:<paramref name="port"/>
    /// (the name is resolved by the server) and the returned stream carries the bytes. Dispose the stream to close the channel;
    /// <see cref="ChannelStream.CompleteWrites"/> half-closes.
    /// </summary>
    /// <exception cref="SshChannelOpenException">The server refused or could not connect (reason code and text from the server).</exception>
    public async Task<ChannelStream> OpenDirectTcpipAsync(string host, int port, string originatorAddress = "127.0.0.1", int originatorPort = 0, CancellationToken cancellationToken = default)
    {
        SshChannel channel = await _connection.OpenDirectTcpipAsync(host, (uint)port, originatorAddress, (uint)originatorPort, cancellationToken).ConfigureAwait(false);
        return channel.Stream;
    }

    /// <summary>
    /// Opens a direct-streamlocal@openssh.com channel (OpenSSH PROTOCOL §2.4): the server connects to the Unix-domain
    /// socket <paramref name="socketPath"/> and the returned stream carries the bytes. Dispose the stream to close the
    /// channel; <see cref="ChannelStream.CompleteWrites"/> half-closes.
    /// </summary>
    /// <exception cref="SshChannelOpenException">The server refused (OpenSSH: ADMINISTRATIVELY_PROHIBITED when streamlocal
    /// forwarding is disabled; CONNECT_FAILED "open failed" when the socket cannot be connected).</exception>
    public async Task<ChannelStream> OpenDirectStreamLocalAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        SshChannel channel = await _connection.OpenChannelAsync(ChannelTypes.DirectStreamLocal, StreamLocalMessages.EncodeDirectOpen(socketPath), cancellationToken).ConfigureAwait(false);
        return channel.Stream;
    }

    /// <summary>
    /// Starts a local forward (-L) in any of its four forms (FORWARDING-CLI.md §3): listens on TCP as <paramref name="spec"/>
    /// says (FORWARDING-CLI.md §5 bind rules) or on the Unix socket <see cref="ForwardSpec.ListenPath"/>, and forwards each
    /// accepted connection through a direct-tcpip channel, or a direct-streamlocal@openssh.com channel when the destination
    /// is a path. The handle stops when disposed or when the connection closes.
    /// </summary>
    /// <param name="spec">The -L forward.</param>
    /// <param name="gatewayPorts">GatewayPorts (-g): with no bind address, listen on the wildcard address.</param>
    /// <param name="addressFamily">AddressFamily (-4/-6).</param>
    /// <param name="streamLocalBindMask">StreamLocalBindMask for a Unix listener: the socket gets mode <c>0777 &amp; ~mask</c> (default octal 0177: 0600).</param>
    /// <param name="streamLocalBindUnlink">StreamLocalBindUnlink: remove an existing file at the listen path first.</param>
    /// <param name="cancellationToken">Cancels name resolution of the bind address.</param>
    /// <exception cref="ArgumentException">The spec has no destination (use <see cref="StartDynamicForwardAsync"/>).</exception>
    /// <exception cref="ForwardBindException">No listen address could be bound, or the Unix socket could not be created
    /// ("unix_listener: cannot bind to path P: Address already in use").</exception>
    public async Task<LocalForward> StartLocalForwardAsync(ForwardSpec spec, bool gatewayPorts = false, AddressFamily addressFamily = AddressFamily.Unspecified,
        int streamLocalBindMask = 0x7F, bool streamLocalBindUnlink = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.IsDynamic) throw new ArgumentException("a local forward needs a destination", nameof(spec));
        var options = new LocalForwardOptions
        {
            GatewayPorts = gatewayPorts,
            AddressFamily = addressFamily,
            StreamLocalBindMask = streamLocalBindMask,
            StreamLocalBindUnlink = streamLocalBindUnlink,
            Logger = _options.Logger,
            ConnectionClosed = Closed,
        };
        LocalForward forward = await LocalForward.StartAsync(spec,
            async (host, port, originator, originatorPort, ct) => await OpenDirectTcpipAsync(host, port, originator, originatorPort, ct).ConfigureAwait(false),
            async (path, ct) => await OpenDirectStreamLocalAsync(path, ct).ConfigureAwait(false),
            options, cancellationToken).ConfigureAwait(false);
        _connection.ReserveChannelIds(forward.ListenPath is null ? forward.ListenEndPoints.Count : 1);
        return forward;
    }

    /// <summary>
    /// Starts a dynamic forward (-D): a SOCKS4/4a/5 and HTTP CONNECT proxy listening as <paramref name="spec"/> says, whose
    /// connections leave from the server (names are resolved there: no DNS leak). Failures are answered with the SOCKS
    /// reply code mapped from the channel-open failure.
    /// </summary>
    /// <param name="spec">The listen side: [bind:]port, or a Unix-socket path (<c>-D /path</c>).</param>
    /// <param name="gatewayPorts">OpenSSH GatewayPorts (-g) for a TCP listener without a bind address.</param>
    /// <param name="addressFamily">OpenSSH AddressFamily (-4/-6).</param>
    /// <param name="streamLocalBindMask">For a Unix-socket listener: its umask (StreamLocalBindMask, default 0177).</param>
    /// <param name="streamLocalBindUnlink">For a Unix-socket listener: remove a stale socket file first (StreamLocalBindUnlink).</param>
    /// <param name="cancellationToken">Cancels name resolution of the bind address.</param>
    /// <exception cref="ForwardBindException">No listen address could be bound, or the Unix socket could not be created.</exception>
    public async Task<DynamicForward> StartDynamicForwardAsync(ForwardSpec spec, bool gatewayPorts = false, AddressFamily addressFamily = AddressFamily.Unspecified,
        int streamLocalBindMask = 0x7F, bool streamLocalBindUnlink = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var options = new DynamicForwardOptions
        {
            GatewayPorts = gatewayPorts,
            AddressFamily = addressFamily,
            StreamLocalBindMask = streamLocalBindMask,
            StreamLocalBindUnlink = streamLocalBindUnlink,
            Logger = _options.Logger,
            ConnectionClosed = Closed,
        };
        Func<string, int, string, int, CancellationToken, ValueTask<Stream>> open =
            async (host, port, originator, originatorPort, ct) => await OpenDirectTcpipAsync(host, port, originator, originatorPort, ct).ConfigureAwait(false);
        DynamicForward forward = spec.ListenPath is { } path
            ? DynamicForward.StartOnPath(path, open, options)
            : await DynamicForward.StartAsync(spec.ListenHost, spec.ListenPort, open, options, cancellationToken).ConfigureAwait(false);
        _connection.ReserveChannelIds(forward.ListenEndPoints.Count);
        return forward;
    }

    /// <summary>
    /// Serves reverse dynamic forwards (-R port with no target, OpenSSH 7.6+): each forwarded-tcpip channel speaks
    /// SOCKS4/5 and is connected from this side, to destinations <paramref name="permitRemoteOpen"/> allows
    /// (PermitRemoteOpen: "any", "none", or host:port entries with "*" for any port; compared literally).
    /// </summary>
    public void EnableReverseDynamicForwarding(IReadOnlyList<string> permitRemoteOpen, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(permitRemoteOpen);
        TimeSpan timeout = connectTimeout ?? DirectTcpipConnector.DefaultConnectTimeout;
        // Like ssh: a destination PermitRemoteOpen refuses is only a debug matter; a failed connect says
        // "connect_to HOST port N: failed.". The SOCKS client gets the proper reply code either way.
        var options = new DynamicForwardOptions { ConnectionClosed = Closed };
        ILogger? logger = _options.Logger;
        _remoteForwards.DynamicHandler = (stream, ct) => DynamicForward.ServeAsync(stream, "remote", 0, async (host, port, _, _, token) =>
        {
            if (!IsPermitted(permitRemoteOpen, host, port))
            {
                throw new SshChannelOpenException(ChannelOpenFailureReason.AdministrativelyProhibited, "open failed");
            }
            try
            {
                Socket socket = await DirectTcpipConnector.ConnectAsync(host, port, timeout, token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SshChannelOpenException)
            {
                logger?.LogError("connect_to {Host} port {Port}: failed.", host, port);
                throw;
            }
        }, options, ct);
    }

    internal static bool IsPermitted(IReadOnlyList<string> permits, string host, int port)
    {
        foreach (string permit in permits)
        {
            if (permit.Equals("any", StringComparison.OrdinalIgnoreCase)) return true;
            if (permit.Equals("none", StringComparison.OrdinalIgnoreCase)) return false;
            int colon = permit.LastIndexOf(':');
            if (colon <= 0) continue;
            string permitHost = permit[..colon].Trim('[', ']');
            string permitPort = permit[(colon + 1)..];
            bool hostMatches = permitHost == "*" || permitHost.Equals(host, StringComparison.OrdinalIgnoreCase);
            bool portMatches = permitPort == "*" || permitPort == port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (hostMatches && portMatches) return true;
        }
        return false;
    }

    /// <summary>
    /// Starts a remote forward (-R) in any of its forms (FORWARDING-CLI.md §3): asks the server to listen on a TCP port
    /// (RFC 4254 §7.1 tcpip-forward; the bind address is sent as OpenSSH sends it, so the server's GatewayPorts decides)
    /// or on the Unix socket <see cref="ForwardSpec.ListenPath"/> (streamlocal-forward@openssh.com, OpenSSH PROTOCOL §2.4),
    /// and connects each forwarded connection from here to the spec's target: host:port, or the local Unix socket
    /// <see cref="ForwardSpec.ConnectPath"/>. For port 0, <see cref="RemoteForward.BoundPort"/> is the port the server allocated.
    /// </summary>
    /// <exception cref="SshRequestRejectedException">The server refused: "remote port forwarding failed for listen port N"
    /// or "remote port forwarding failed for listen path P".</exception>
    public Task<RemoteForward> StartRemoteForwardAsync(ForwardSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RemoteForward.StartAsync(_connection, _remoteForwards, spec, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="command"/> on the server in a session channel (RFC 4254 §6.5 "exec"), copying
    /// <paramref name="standardInput"/> to it and its output to <paramref name="standardOutput"/> and <paramref name="standardError"/>.
    /// Returns the exit status (255 when the server sent none).
    /// </summary>
    /// <exception cref="SshRequestRejectedException">The server refused the exec request.</exception>
    public async Task<int> ExecuteAsync(string command, Stream? standardInput, Stream standardOutput, Stream standardError, CancellationToken cancellationToken = default)
    {
        SshChannel channel = await _connection.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.ExecAsync(command, cancellationToken).ConfigureAwait(false);
            Task output = channel.Stream.CopyToAsync(standardOutput, cancellationToken);
            Task error = channel.StandardError.CopyToAsync(standardError, cancellationToken);
            if (standardInput is not null)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await standardInput.CopyToAsync(channel.Stream, cancellationToken).ConfigureAwait(false);
                        await channel.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        // the command may finish before its input does
                    }
                }, CancellationToken.None);
            }
            else
            {
                await channel.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            }
            await Task.WhenAll(output, error).ConfigureAwait(false);
            await channel.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return channel.ExitStatus is uint status ? (int)status : 255;
        }
        finally
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends keepalive@openssh.com every <paramref name="interval"/> and fails when <paramref name="countMax"/> go
    /// unanswered (ServerAliveInterval / ServerAliveCountMax); the connection is then closed.
    /// </summary>
    /// <exception cref="SshConnectionException">"Timeout, server HOST not responding."</exception>
    public async Task RunKeepAliveAsync(TimeSpan interval, int countMax, CancellationToken cancellationToken = default)
    {
        try
        {
            await _connection.RunKeepAliveAsync(interval, countMax, cancellationToken).ConfigureAwait(false);
        }
        catch (SshConnectionException e) when (e.Message.StartsWith("Timeout", StringComparison.Ordinal))
        {
            throw new SshConnectionException($"Timeout, server {_options.Host} not responding.", DisconnectReason.ConnectionLost, e);
        }
    }

    /// <summary>Forces a key exchange now (RFC 4253 §9).</summary>
    public Task RekeyAsync(CancellationToken cancellationToken = default) => _transport.RequestRekeyAsync(cancellationToken);

    /// <summary>Disconnects (SSH_MSG_DISCONNECT by application) and waits for the loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
