namespace SshTunnel.Forwarding;

/// <summary>Which OpenSSH option a <see cref="ForwardSpec"/> describes.</summary>
public enum ForwardSpecKind
{
    /// <summary><c>-L</c> / <c>LocalForward</c>: listen on the client, connect from the server.</summary>
    Local,

    /// <summary><c>-R</c> / <c>RemoteForward</c>: listen on the server, connect from the client
    /// (or act as a SOCKS server on the client when there is no destination: reverse dynamic).</summary>
    Remote,

    /// <summary><c>-D</c> / <c>DynamicForward</c>: a SOCKS listener on the client.</summary>
    Dynamic,
}
