using System.Text;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Transport;

/// <summary>RFC 4253 §4.2 protocol version exchange.</summary>
internal static class VersionExchange
{
    /// <summary>Longest identification line, CR LF included (RFC 4253 §4.2).</summary>
    public const int MaxLineLength = 255;

    /// <summary>Most lines a server may send before its identification (OpenSSH allows 1024).</summary>
    public const int MaxPreambleLines = 1024;

    /// <summary>Writes "<paramref name="version"/>\r\n".</summary>
    public static async ValueTask WriteAsync(Stream stream, string version, CancellationToken cancellationToken)
    {
        byte[] line = Encoding.ASCII.GetBytes(version + "\r\n");
        await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the peer's identification line without reading past it (byte by byte: it is read once per connection).
    /// A client skips lines before "SSH-" (the server may send some); a server accepts none.
    /// Returns the line without CR LF.
    /// </summary>
    /// <exception cref="SshProtocolException">Bad or unsupported identification, too long, or too many lines.</exception>
    /// <exception cref="SshConnectionException">The stream ended first.</exception>
    public static async ValueTask<string> ReadAsync(Stream stream, bool allowPreamble, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxLineLength + 1];
        byte[] one = new byte[1];
        for (int lineCount = 0; lineCount <= MaxPreambleLines; lineCount++)
        {
            int length = 0;
            while (true)
            {
                int n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new SshConnectionException(length == 0 && lineCount == 0
                        ? "kex_exchange_identification: Connection closed by remote host"
                        : "kex_exchange_identification: connection closed during version exchange", DisconnectReason.ConnectionLost);
                }
                if (one[0] == (byte)'\n') break;
                if (length >= MaxLineLength)
                {
                    throw new SshProtocolException("kex_exchange_identification: banner line too long", DisconnectReason.ProtocolVersionNotSupported);
                }
                buffer[length++] = one[0];
            }
            if (length > 0 && buffer[length - 1] == (byte)'\r') length--;
            string line = Encoding.ASCII.GetString(buffer, 0, length);
            if (line.StartsWith("SSH-", StringComparison.Ordinal))
            {
                if (line.Contains('\0')) throw new SshProtocolException("kex_exchange_identification: banner line contains invalid characters");
                if (!line.StartsWith("SSH-2.0-", StringComparison.Ordinal) && !line.StartsWith("SSH-1.99-", StringComparison.Ordinal))
                {
                    string shown = PeerText.Sanitize(line.Length > 100 ? line[..100] : line);
                    throw new SshProtocolException($"Protocol major versions differ: 2 vs. {shown}", DisconnectReason.ProtocolVersionNotSupported);
                }
                return line;
            }
            if (!allowPreamble)
            {
                throw new SshProtocolException("kex_exchange_identification: client sent invalid protocol identifier", DisconnectReason.ProtocolVersionNotSupported);
            }
        }
        throw new SshProtocolException("kex_exchange_identification: too many preamble lines", DisconnectReason.ProtocolVersionNotSupported);
    }
}
