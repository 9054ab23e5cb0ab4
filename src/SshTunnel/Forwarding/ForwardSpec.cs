using System.Globalization;

namespace SshTunnel.Forwarding;

/// <summary>
/// One parsed port forward, as OpenSSH's <c>struct Forward</c>: a listen side (optional bind address and a TCP port,
/// or a Unix-socket path) and a destination (host and port, a Unix-socket path, or none for SOCKS).
/// Produced by <see cref="ForwardSpecParser"/>. Equality is value equality over all fields, which is the rule
/// OpenSSH uses to drop exact duplicate forwards.
/// </summary>
public sealed record ForwardSpec
{
    /// <summary>The option that produced the forward. <c>-D port:/path</c> yields <see cref="ForwardSpecKind.Local"/>,
    /// as in OpenSSH.</summary>
    public required ForwardSpecKind Kind { get; init; }

    /// <summary>
    /// The bind address exactly as written: <see langword="null"/> when none was given (loopback by default),
    /// <c>""</c> or <c>"*"</c> for the wildcard (see <see cref="IsWildcardBind"/>), otherwise a literal address or
    /// name without brackets. Always <see langword="null"/> when <see cref="ListenPath"/> is set.
    /// </summary>
    public string? ListenHost { get; init; }

    /// <summary>The TCP port to listen on, 0 to 65535 (0 only for remote forwards: the server picks one). 0 when
    /// <see cref="ListenPath"/> is set.</summary>
    public int ListenPort { get; init; }

    /// <summary>The Unix-socket path to listen on, or <see langword="null"/> for a TCP listener.</summary>
    public string? ListenPath { get; init; }

    /// <summary>The destination host (no brackets), or <see langword="null"/> for a path or SOCKS destination.</summary>
    public string? ConnectHost { get; init; }

    /// <summary>The destination TCP port, 1 to 65535; 0 for a path or SOCKS destination.</summary>
    public int ConnectPort { get; init; }

    /// <summary>The destination Unix-socket path, or <see langword="null"/>.</summary>
    public string? ConnectPath { get; init; }

    /// <summary><see langword="true"/> when the listener is a SOCKS server (<c>-D</c>, or <c>-R</c> with no
    /// destination, OpenSSH 7.6+), that is, when there is no fixed destination.</summary>
    public bool IsDynamic => ConnectHost is null && ConnectPath is null;

    /// <summary><see langword="true"/> when the bind address was given as <c>*</c> or empty: bind all
    /// addresses regardless of GatewayPorts.</summary>
    public bool IsWildcardBind => ListenHost is { Length: 0 } or "*";

    /// <summary>The listen side as <c>ssh -G</c> prints it: <c>path</c>, <c>port</c> or <c>[host]:port</c>.</summary>
    public string ListenText =>
        ListenPath ?? (ListenHost is null
            ? ListenPort.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"[{ListenHost}]:{ListenPort}"));

    /// <summary>The destination as <c>ssh -G</c> prints it: <c>path</c> or <c>[host]:port</c>; for a reverse dynamic
    /// forward <c>[socks]:0</c>; <see langword="null"/> for a local dynamic forward.</summary>
    public string? DestinationText =>
        ConnectPath ?? (ConnectHost is not null
            ? string.Create(CultureInfo.InvariantCulture, $"[{ConnectHost}]:{ConnectPort}")
            : Kind == ForwardSpecKind.Dynamic ? null : "[socks]:0");

    /// <summary>
    /// The canonical text, as the arguments of the matching <c>ssh -G</c> line: <c>LISTEN DESTINATION</c>
    /// (e.g. <c>[127.0.0.1]:8080 [server2]:80</c>, <c>8080 /run/app.sock</c>, <c>9000 [socks]:0</c>) or
    /// just <c>LISTEN</c> for a dynamic forward.
    /// </summary>
    public override string ToString()
    {
        string? destination = DestinationText;
        return destination is null ? ListenText : ListenText + " " + destination;
    }
}
