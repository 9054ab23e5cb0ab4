namespace SshTunnel.Errors;

/// <summary>Base class of every exception the SshTunnel library raises for SSH-level failures.</summary>
public class SshException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public SshException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public SshException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// The peer broke the SSH protocol (malformed packet, bad MAC, unexpected message, window overrun...).
/// The connection that raised it is closed with <see cref="DisconnectReason"/>.
/// </summary>
public class SshProtocolException : SshException
{
    /// <summary>Creates the exception; <paramref name="reason"/> is the RFC 4253 §11.1 disconnect reason to send.</summary>
    public SshProtocolException(string message, DisconnectReason reason = DisconnectReason.ProtocolError)
        : base(message) => Reason = reason;

    /// <summary>The disconnect reason code (RFC 4253 §11.1) that goes with this failure.</summary>
    public DisconnectReason Reason { get; }
}

/// <summary>The SSH connection is closed or failed; <see cref="Exception.Message"/> says why.</summary>
public class SshConnectionException : SshException
{
    /// <summary>Creates the exception.</summary>
    public SshConnectionException(string message, DisconnectReason reason = DisconnectReason.None, Exception? innerException = null)
        : base(message, innerException) => Reason = reason;

    /// <summary>The disconnect reason, when the peer or we sent SSH_MSG_DISCONNECT; otherwise <see cref="DisconnectReason.None"/>.</summary>
    public DisconnectReason Reason { get; }
}

/// <summary>User authentication failed (RFC 4252): no method the server accepts succeeded.</summary>
public class SshAuthenticationException : SshException
{
    /// <summary>Creates the exception.</summary>
    public SshAuthenticationException(string message) : base(message) { }
}

/// <summary>The server's host key was refused (unknown, changed, revoked or unverifiable).</summary>
public class SshHostKeyException : SshException
{
    /// <summary>Creates the exception.</summary>
    public SshHostKeyException(string message) : base(message) { }
}

/// <summary>A channel open was refused by the peer (RFC 4254 §5.1 SSH_MSG_CHANNEL_OPEN_FAILURE).</summary>
public class SshChannelOpenException : SshException
{
    /// <summary>Creates the exception from the reason code and description the peer sent.</summary>
    public SshChannelOpenException(ChannelOpenFailureReason reason, string description)
        : base(description) { Reason = reason; Description = description; }

    /// <summary>RFC 4254 §5.1 reason code.</summary>
    public ChannelOpenFailureReason Reason { get; }

    /// <summary>The peer's description text.</summary>
    public string Description { get; }
}

/// <summary>A global or channel request was answered with FAILURE.</summary>
public class SshRequestRejectedException : SshException
{
    /// <summary>Creates the exception.</summary>
    public SshRequestRejectedException(string message) : base(message) { }
}

/// <summary>RFC 4254 §5.1 channel open failure reason codes.</summary>
public enum ChannelOpenFailureReason : uint
{
    /// <summary>SSH_OPEN_ADMINISTRATIVELY_PROHIBITED</summary>
    AdministrativelyProhibited = 1,
    /// <summary>SSH_OPEN_CONNECT_FAILED</summary>
    ConnectFailed = 2,
    /// <summary>SSH_OPEN_UNKNOWN_CHANNEL_TYPE</summary>
    UnknownChannelType = 3,
    /// <summary>SSH_OPEN_RESOURCE_SHORTAGE</summary>
    ResourceShortage = 4,
}

/// <summary>RFC 4253 §11.1 disconnect reason codes.</summary>
public enum DisconnectReason : uint
{
    /// <summary>No SSH_MSG_DISCONNECT was involved.</summary>
    None = 0,
    /// <summary>SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT</summary>
    HostNotAllowedToConnect = 1,
    /// <summary>SSH_DISCONNECT_PROTOCOL_ERROR</summary>
    ProtocolError = 2,
    /// <summary>SSH_DISCONNECT_KEY_EXCHANGE_FAILED</summary>
    KeyExchangeFailed = 3,
    /// <summary>SSH_DISCONNECT_RESERVED</summary>
    Reserved = 4,
    /// <summary>SSH_DISCONNECT_MAC_ERROR</summary>
    MacError = 5,
    /// <summary>SSH_DISCONNECT_COMPRESSION_ERROR</summary>
    CompressionError = 6,
    /// <summary>SSH_DISCONNECT_SERVICE_NOT_AVAILABLE</summary>
    ServiceNotAvailable = 7,
    /// <summary>SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED</summary>
    ProtocolVersionNotSupported = 8,
    /// <summary>SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE</summary>
    HostKeyNotVerifiable = 9,
    /// <summary>SSH_DISCONNECT_CONNECTION_LOST</summary>
    ConnectionLost = 10,
    /// <summary>SSH_DISCONNECT_BY_APPLICATION</summary>
    ByApplication = 11,
    /// <summary>SSH_DISCONNECT_TOO_MANY_CONNECTIONS</summary>
    TooManyConnections = 12,
    /// <summary>SSH_DISCONNECT_AUTH_CANCELLED_BY_USER</summary>
    AuthCancelledByUser = 13,
    /// <summary>SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE</summary>
    NoMoreAuthMethodsAvailable = 14,
    /// <summary>SSH_DISCONNECT_ILLEGAL_USER_NAME</summary>
    IllegalUserName = 15,
}
