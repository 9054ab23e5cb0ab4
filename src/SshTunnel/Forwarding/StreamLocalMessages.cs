using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Forwarding;

/// <summary>
/// Encodes and parses the streamlocal payloads (OpenSSH PROTOCOL §2.4) from the wire structs: the type-specific data
/// of direct-streamlocal@openssh.com and forwarded-streamlocal@openssh.com opens, and the request-specific data of
/// (cancel-)streamlocal-forward@openssh.com. Parsers throw <see cref="Errors.SshProtocolException"/> on malformed data.
/// </summary>
internal static class StreamLocalMessages
{
    /// <summary>direct-streamlocal@openssh.com: socket path, reserved "" and reserved 0, as OpenSSH sends them.</summary>
    public static byte[] EncodeDirectOpen(string socketPath)
    {
        var writer = new SshWriter(32 + socketPath.Length * 3);
        new DirectStreamLocalOpenData { SocketPath = socketPath, Reserved = "", ReservedNumber = 0 }.Write(ref writer);
        return writer.ToArray();
    }

    /// <summary>Parses direct-streamlocal@openssh.com data (the reserved fields are read and ignored).</summary>
    /// <exception cref="Errors.SshProtocolException">Truncated, invalid UTF-8 or trailing bytes.</exception>
    public static DirectStreamLocalOpenData ParseDirectOpen(ReadOnlySpan<byte> typeSpecificData)
    {
        var reader = new SshReader(typeSpecificData);
        return DirectStreamLocalOpenData.Read(ref reader);
    }

    /// <summary>forwarded-streamlocal@openssh.com: the listening socket path and the reserved "".</summary>
    public static byte[] EncodeForwardedOpen(string socketPath)
    {
        var writer = new SshWriter(32 + socketPath.Length * 3);
        new ForwardedStreamLocalOpenData { SocketPath = socketPath, Reserved = "" }.Write(ref writer);
        return writer.ToArray();
    }

    /// <summary>Parses forwarded-streamlocal@openssh.com data.</summary>
    /// <exception cref="Errors.SshProtocolException">Truncated, invalid UTF-8 or trailing bytes.</exception>
    public static ForwardedStreamLocalOpenData ParseForwardedOpen(ReadOnlySpan<byte> typeSpecificData)
    {
        var reader = new SshReader(typeSpecificData);
        return ForwardedStreamLocalOpenData.Read(ref reader);
    }

    /// <summary>(cancel-)streamlocal-forward@openssh.com: the socket path.</summary>
    public static byte[] EncodeForwardRequest(string socketPath)
    {
        var writer = new SshWriter(16 + socketPath.Length * 3);
        new StreamLocalForwardRequestData { SocketPath = socketPath }.Write(ref writer);
        return writer.ToArray();
    }
}
