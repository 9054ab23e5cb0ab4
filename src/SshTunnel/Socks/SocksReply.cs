using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SshTunnel.Socks;

/// <summary>
/// Writes the server's answer to a CONNECT request in the client's protocol (SOCKS4/4a, SOCKS5 or HTTP CONNECT).
/// Success is to be sent only once the destination is connected; after it the stream carries the tunnelled bytes.
/// </summary>
internal static class SocksReply
{
    // SOCKS5 reply, RFC 1928 §6:
    // +----+-----+-------+------+----------+----------+
    // |VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
    // +----+-----+-------+------+----------+----------+
    // | 1  |  1  | X'00' |  1   | Variable |    2     |
    // +----+-----+-------+------+----------+----------+
    // Without a bound address we send ATYP=1 0.0.0.0:0, as OpenSSH does.
    //
    // SOCKS4 reply (SOCKS4.protocol / SOCKS4A.protocol):
    // +----+----+----+----+----+----+----+----+
    // | VN | CD | DSTPORT |      DSTIP        |
    // +----+----+----+----+----+----+----+----+
    //    1    1      2              4
    // VN = 0, CD = 90 (0x5A) granted or 91 (0x5B) rejected/failed.

    internal const byte Socks5Version = 0x05;
    internal const byte Socks4ReplyVersion = 0x00;
    internal const byte Socks4Granted = 0x5A;
    internal const byte Socks4Rejected = 0x5B;
    internal const byte AddressTypeIPv4 = 0x01;
    internal const byte AddressTypeDomainName = 0x03;
    internal const byte AddressTypeIPv6 = 0x04;
    internal const string HttpEstablished = "HTTP/1.1 200 Connection established\r\n\r\n";

    /// <summary>Tells the client its CONNECT succeeded.</summary>
    /// <param name="stream">The client connection.</param>
    /// <param name="request">The request being answered (its protocol selects the encoding).</param>
    /// <param name="boundEndPoint">BND.ADDR/BND.PORT for SOCKS (ignored by clients); null sends 0.0.0.0:0. SOCKS4 only carries IPv4.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="IOException">The client is gone.</exception>
    public static Task WriteSuccessAsync(Stream stream, SocksRequest request, IPEndPoint? boundEndPoint = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(request);
        return request.Protocol switch
        {
            SocksProtocol.Socks5 => WriteSocks5Async(stream, SocksReplyCode.Succeeded, boundEndPoint, cancellationToken),
            SocksProtocol.Socks4 or SocksProtocol.Socks4a => WriteSocks4Async(stream, granted: true, boundEndPoint, cancellationToken),
            _ => WriteAsciiAsync(stream, HttpEstablished, cancellationToken),
        };
    }

    /// <summary>
    /// Tells the client its CONNECT failed: SOCKS5 REP = <paramref name="code"/>; SOCKS4 CD = 0x5B; HTTP the status
    /// line of <see cref="HttpStatusFor"/> with a short text body and "Connection: close". The caller then closes.
    /// </summary>
    /// <param name="stream">The client connection.</param>
    /// <param name="request">The request being answered.</param>
    /// <param name="code">Why it failed; not <see cref="SocksReplyCode.Succeeded"/>.</param>
    /// <param name="message">Optional detail for the HTTP body (e.g. "Connection refused"); SOCKS has no room for it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentException"><paramref name="code"/> is <see cref="SocksReplyCode.Succeeded"/>.</exception>
    /// <exception cref="IOException">The client is gone.</exception>
    public static Task WriteFailureAsync(Stream stream, SocksRequest request, SocksReplyCode code, string? message = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(request);
        if (code == SocksReplyCode.Succeeded) throw new ArgumentException("A failure reply needs a failure code.", nameof(code));
        return request.Protocol switch
        {
            SocksProtocol.Socks5 => WriteSocks5Async(stream, code, null, cancellationToken),
            SocksProtocol.Socks4 or SocksProtocol.Socks4a => WriteSocks4Async(stream, granted: false, null, cancellationToken),
            _ => WriteHttpFailureAsync(stream, code, message, cancellationToken),
        };
    }

    /// <summary>The HTTP status for a reply code: 403 not allowed, 504 timeout, 405 command, 400 address type, 502 otherwise.</summary>
    public static (int Status, string Reason) HttpStatusFor(SocksReplyCode code) => code switch
    {
        SocksReplyCode.Succeeded => (200, "Connection established"),
        SocksReplyCode.NotAllowed => (403, "Forbidden"),
        SocksReplyCode.TtlExpired => (504, "Gateway Timeout"),
        SocksReplyCode.CommandNotSupported => (405, "Method Not Allowed"),
        SocksReplyCode.AddressTypeNotSupported => (400, "Bad Request"),
        _ => (502, "Bad Gateway"),
    };

    /// <summary>Writes a SOCKS5 reply with the given REP and bound address (null: IPv4 0.0.0.0:0).</summary>
    internal static async Task WriteSocks5Async(Stream stream, SocksReplyCode code, IPEndPoint? bound, CancellationToken cancellationToken)
    {
        bool v6 = bound?.AddressFamily == AddressFamily.InterNetworkV6;
        var reply = new byte[v6 ? 22 : 10];
        reply[0] = Socks5Version;
        reply[1] = (byte)code;
        reply[2] = 0x00;
        reply[3] = v6 ? AddressTypeIPv6 : AddressTypeIPv4;
        if (bound is not null && (v6 || bound.AddressFamily == AddressFamily.InterNetwork))
        {
            bound.Address.TryWriteBytes(reply.AsSpan(4), out _);
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(reply.Length - 2), (ushort)bound.Port);
        }
        await stream.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a SOCKS4 reply (VN=0, CD=0x5A/0x5B); DSTPORT/DSTIP from an IPv4 bound address, else zeros.</summary>
    internal static async Task WriteSocks4Async(Stream stream, bool granted, IPEndPoint? bound, CancellationToken cancellationToken)
    {
        var reply = new byte[8];
        reply[0] = Socks4ReplyVersion;
        reply[1] = granted ? Socks4Granted : Socks4Rejected;
        if (bound is not null && bound.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2), (ushort)bound.Port);
            bound.Address.TryWriteBytes(reply.AsSpan(4), out _);
        }
        await stream.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteHttpFailureAsync(Stream stream, SocksReplyCode code, string? message, CancellationToken cancellationToken)
    {
        (int status, string reason) = HttpStatusFor(code);
        return WriteHttpErrorAsync(stream, status, reason, message, cancellationToken);
    }

    /// <summary>
    /// Writes an HTTP/1.1 error response: status line, text/plain body "status reason[: message]\n",
    /// Content-Length, "Connection: close" (and "Allow: CONNECT" for 405).
    /// </summary>
    internal static Task WriteHttpErrorAsync(Stream stream, int status, string reason, string? message, CancellationToken cancellationToken)
    {
        string body = string.IsNullOrEmpty(message) ? $"{status} {reason}\n" : $"{status} {reason}: {Sanitize(message)}\n";
        var text = new StringBuilder(160);
        text.Append("HTTP/1.1 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        if (status == 405) text.Append("Allow: CONNECT\r\n");
        text.Append("Content-Type: text/plain\r\n");
        text.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        text.Append("Connection: close\r\n\r\n");
        text.Append(body);
        return WriteAsciiAsync(stream, text.ToString(), cancellationToken);
    }

    /// <summary>Keeps a message printable ASCII so it cannot break the response framing.</summary>
    private static string Sanitize(string message)
    {
        if (message.Length > 200) message = message[..200];
        return string.Create(message.Length, message, static (span, m) =>
        {
            for (int i = 0; i < m.Length; i++) span[i] = m[i] is >= ' ' and <= '~' ? m[i] : '?';
        });
    }

    private static async Task WriteAsciiAsync(Stream stream, string text, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(text.Length);
        try
        {
            int length = Encoding.ASCII.GetBytes(text, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
