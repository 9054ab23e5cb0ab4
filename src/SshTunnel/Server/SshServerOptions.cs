using System.Net;
using Microsoft.Extensions.Logging;
using SshTunnel.Keys;
using SshTunnel.Server.Policy;

namespace SshTunnel.Server;

/// <summary>
/// Everything <see cref="SshServer"/> needs: host keys, where to listen, who may log in and what each user may
/// forward. Names follow sshd_config(5) where a keyword exists. Options are read when a connection starts, so
/// <see cref="SshServer.UpdateOptions"/> affects new connections only.
/// </summary>
public sealed class SshServerOptions
{
    /// <summary>HostKey: the host keys the server proves (RFC 4253 §8). At least one is required.</summary>
    public IReadOnlyList<SshPrivateKey> HostKeys { get; init; } = [];

    /// <summary>ListenAddress/Port pairs to accept connections on; port 0 picks a free port (see <see cref="SshServer.ListenEndPoints"/>).</summary>
    public IReadOnlyList<IPEndPoint> ListenEndPoints { get; init; } = [];

    /// <summary>
    /// Decides a publickey login: returns the forwarding policy for this user and key (built from the user's settings
    /// and the options of the authorized_keys line that matched), or null to refuse. Null callback: no publickey.
    /// </summary>
    public Func<PublicKeyAuthorizationContext, CancellationToken, ValueTask<ForwardingPolicy?>>? AuthorizePublicKeyAsync { get; init; }

    /// <summary>
    /// Decides a password login (offered only when set): returns the forwarding policy for the user, or null to refuse.
    /// The callback must compare in constant time.
    /// </summary>
    public Func<PasswordAuthorizationContext, CancellationToken, ValueTask<ForwardingPolicy?>>? AuthorizePasswordAsync { get; init; }

    /// <summary>KbdInteractiveAuthentication: also offer keyboard-interactive with one "Password: " prompt, checked by <see cref="AuthorizePasswordAsync"/>.</summary>
    public bool KbdInteractiveAuthentication { get; init; }

    /// <summary>KexAlgorithms in preference order; null = the library defaults.</summary>
    public IReadOnlyList<string>? KexAlgorithms { get; init; }

    /// <summary>HostKeyAlgorithms offered (filtered by the keys held); null = every algorithm of the keys.</summary>
    public IReadOnlyList<string>? HostKeyAlgorithms { get; init; }

    /// <summary>
    /// Ciphers in preference order; null = the defaults. chacha20-poly1305@openssh.com is dropped from the list unless
    /// the native libcrypto implementation is available (the managed fallback is too slow for a server).
    /// </summary>
    public IReadOnlyList<string>? Ciphers { get; init; }

    /// <summary>MACs in preference order (used with non-AEAD ciphers); null = the defaults.</summary>
    public IReadOnlyList<string>? Macs { get; init; }

    /// <summary>The identification string sent (RFC 4253 §4.2), without CR LF.</summary>
    public string ServerVersion { get; init; } = "SSH-2.0-sshtunneld_1.0";

    /// <summary>LoginGraceTime: limit for key exchange and authentication together; <see cref="TimeSpan.Zero"/> = none. Default 120 s.</summary>
    public TimeSpan LoginGraceTime { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>MaxAuthTries: failed authentication attempts before DISCONNECT (default 6).</summary>
    public int MaxAuthTries { get; init; } = 6;

    /// <summary>MaxStartups: random early drop of connections not yet authenticated.</summary>
    public StartupLimits MaxStartups { get; init; } = StartupLimits.Default;

    /// <summary>
    /// PerSourceMaxStartups: unauthenticated connections allowed at once from one source address (IPv4-mapped IPv6
    /// counts as IPv4); more are dropped ("drop connection #N from [A]:P on [L]:P past per-source limit"), so one host
    /// cannot take every <see cref="MaxStartups"/> slot. Null = no per-source limit (sshd's default "none"). Default 10,
    /// the start value of the default MaxStartups: a gateway is more exposed than a typical sshd.
    /// </summary>
    public int? PerSourceMaxStartups { get; init; } = StartupLimits.Default.Start;

    /// <summary>TCPKeepAlive: set SO_KEEPALIVE on accepted connections so dead peers are noticed (default true, as sshd).</summary>
    public bool TcpKeepAlive { get; init; } = true;

    /// <summary>ClientAliveInterval: send keepalive@openssh.com after this much silence; <see cref="TimeSpan.Zero"/> = off.</summary>
    public TimeSpan ClientAliveInterval { get; init; }

    /// <summary>ClientAliveCountMax: unanswered keepalives before the connection is dropped (default 3).</summary>
    public int ClientAliveCountMax { get; init; } = 3;

    /// <summary>MaxSessions: "session" channels open at once per connection (default 10).</summary>
    public int MaxSessions { get; init; } = 10;

    /// <summary>Channels (of any type) open at once per connection; more opens are refused with RESOURCE_SHORTAGE (default 1024).</summary>
    public int MaxChannels { get; init; } = 1024;

    /// <summary>Remote (tcpip-forward and streamlocal-forward) listeners per connection (default 64).</summary>
    public int MaxRemoteForwards { get; init; } = 64;

    /// <summary>Channel opens waiting for a decision (e.g. a slow direct-tcpip connect) per connection (default 64).</summary>
    public int MaxPendingChannelOpens { get; init; } = 64;

    /// <summary>Limit for each direct-tcpip connect to its target, and for each forwarded-tcpip open to the client (default 30 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// StreamLocalBindMask: the umask for Unix sockets created for streamlocal-forward@openssh.com (ssh -R /path:...);
    /// the socket file gets mode <c>0777 &amp; ~mask</c>. Default octal 0177 (0x7F): 0600, only the server's user may connect.
    /// </summary>
    public int StreamLocalBindMask { get; init; } = Forwarding.UnixSocketListener.DefaultBindMask;

    /// <summary>StreamLocalBindUnlink: remove an existing file at a requested socket path before binding (default no, as sshd).</summary>
    public bool StreamLocalBindUnlink { get; init; }

    /// <summary>Banner: text sent before authentication, or null.</summary>
    public string? Banner { get; init; }

    /// <summary>Receives sshd-style log lines (authentication, forwards opened/closed/refused, disconnects).</summary>
    public ILogger? Logger { get; init; }
}
