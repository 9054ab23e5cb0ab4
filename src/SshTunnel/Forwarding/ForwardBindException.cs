using SshTunnel.Errors;

namespace SshTunnel.Forwarding;

/// <summary>
/// A forward could not listen on any address. <see cref="Exception.Message"/> is OpenSSH's
/// "channel_setup_fwd_listener_tcpip: cannot listen to port: N" (then <see cref="BindErrors"/> has one
/// "bind [addr]:port: reason" line per address tried), or for a Unix-socket listener
/// "unix_listener: cannot bind to path P: reason" / "unix_listener: path "P" too long for Unix domain socket"
/// (then <see cref="BindErrors"/> holds that same line).
/// </summary>
public sealed class ForwardBindException : SshException
{
    /// <summary>Creates the exception.</summary>
    public ForwardBindException(string message, IReadOnlyList<string> bindErrors, Exception? innerException)
        : base(message, innerException) => BindErrors = bindErrors;

    /// <summary>OpenSSH-worded bind failures, e.g. "bind [127.0.0.1]:2222: Address already in use".</summary>
    public IReadOnlyList<string> BindErrors { get; }
}
