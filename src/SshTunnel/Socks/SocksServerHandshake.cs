using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SshTunnel.Socks;

/// <summary>
/// Server side of the proxy handshake on one client stream: detects SOCKS4/4a, SOCKS5 (RFC 1928) or HTTP CONNECT
/// (RFC 9110 §9.3.6) from the first byte and reads one CONNECT request. Names are kept as names (the gateway
/// resolves them: no DNS leak). Requests that cannot be served get their protocol's failure reply here (SOCKS5
/// method 0xFF, REP 0x07/0x08/0x01; SOCKS4 0x5B; HTTP 400/405/431) and end in a <see cref="SocksException"/>;
/// the final success/failure of the CONNECT itself is the caller's (<see cref="SocksReply"/>).
/// </summary>
/// <remarks>
/// One rented buffer of <see cref="MaxRequestBytes"/> holds the whole request; anything the client sent after it
/// is returned in <see cref="SocksRequest.InitialData"/>. Cancellation disposes the stream, so even a stream
/// whose reads ignore the token is unblocked. A silent client is bounded by the caller's token, or by the
/// <see cref="ReadRequestAsync(Stream, TimeSpan, CancellationToken)"/> overload's timeout.
/// </remarks>
internal static class SocksServerHandshake
{
    /// <summary>Largest request accepted, in bytes (HTTP request line + headers; SOCKS needs at most 520).</summary>
    public const int MaxRequestBytes = 8192;

    /// <summary>Longest SOCKS4 user id and SOCKS4a/5 host name, in bytes.</summary>
    public const int MaxNameLength = 255;

    /// <summary>A sensible bound on the wait for a complete request (OpenSSH has none).</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    private const byte Socks4Version = 0x04;
    private const byte Socks5Version = 0x05;
    private const byte CommandConnect = 0x01;
    private const byte MethodNoAuthentication = 0x00;
    private const byte MethodNoAcceptable = 0xFF;
    private const string HttpConnectMethod = "CONNECT";

    /// <summary>
    /// Reads one request, giving up after <paramref name="timeout"/> (the stream is then disposed).
    /// </summary>
    /// <exception cref="SocksException">Malformed, unsupported or truncated request, or none complete within <paramref name="timeout"/> (inner <see cref="TimeoutException"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the stream is disposed).</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    public static async Task<SocksRequest> ReadRequestAsync(Stream stream, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        try
        {
            return await ReadRequestAsync(stream, timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            string message = $"no complete proxy request within {timeout.TotalSeconds:0.###} s";
            throw new SocksException(message, replySent: false, new TimeoutException(message, ex));
        }
    }

    /// <summary>Reads one request; the caller bounds the wait with <paramref name="cancellationToken"/>.</summary>
    /// <exception cref="SocksException">Malformed, unsupported or truncated request (<see cref="SocksException.ReplySent"/> says whether the client was answered).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the stream is disposed).</exception>
    /// <exception cref="IOException">The connection failed.</exception>
    public static async Task<SocksRequest> ReadRequestAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        cancellationToken.ThrowIfCancellationRequested();
        var input = new Input(stream, ArrayPool<byte>.Shared.Rent(MaxRequestBytes));
        CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(static s => ((Stream)s!).Dispose(), stream);
        try
        {
            await input.FillAsync(1, cancellationToken).ConfigureAwait(false);
            byte first = input.Buffer[0];
            return first switch
            {
                Socks4Version => await ReadSocks4Async(input, cancellationToken).ConfigureAwait(false),
                Socks5Version => await ReadSocks5Async(input, cancellationToken).ConfigureAwait(false),
                (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') => await ReadHttpConnectAsync(input, cancellationToken).ConfigureAwait(false),
                _ => throw new SocksException($"not a SOCKS4, SOCKS5 or HTTP CONNECT request (first byte 0x{first:x2})"),
            };
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // The registration disposed the stream under a pending read: report the cancellation, not its symptom.
            throw new OperationCanceledException("proxy handshake cancelled", ex, cancellationToken);
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(input.Buffer);
        }
    }

    // SOCKS5 method selection, RFC 1928 §3:
    // +----+----------+----------+        +----+--------+
    // |VER | NMETHODS | METHODS  |  --->  |VER | METHOD |
    // +----+----------+----------+        +----+--------+
    // | 1  |    1     | 1 to 255 |        | 1  |   1    |
    // +----+----------+----------+        +----+--------+
    // We offer X'00' NO AUTHENTICATION REQUIRED only; otherwise X'FF' NO ACCEPTABLE METHODS and close.
    //
    // SOCKS5 request, RFC 1928 §4-5:
    // +----+-----+-------+------+----------+----------+
    // |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
    // +----+-----+-------+------+----------+----------+
    // | 1  |  1  | X'00' |  1   | Variable |    2     |
    // +----+-----+-------+------+----------+----------+
    // CMD: X'01' CONNECT, X'02' BIND, X'03' UDP ASSOCIATE. ATYP: X'01' IPv4 (4 bytes), X'03' domain name
    // (1 length byte, then the name, no NUL), X'04' IPv6 (16 bytes). DST.PORT in network byte order.
    private static async Task<SocksRequest> ReadSocks5Async(Input input, CancellationToken cancellationToken)
    {
        byte[] buffer = input.Buffer;
        await input.FillAsync(2, cancellationToken).ConfigureAwait(false);
        int methodCount = buffer[1];
        if (methodCount == 0)
        {
            throw await FailAsync(WriteMethodAsync(input.Stream, MethodNoAcceptable, cancellationToken),
                "SOCKS5 client offered no authentication method").ConfigureAwait(false);
        }
        await input.FillAsync(2 + methodCount, cancellationToken).ConfigureAwait(false);
        if (Array.IndexOf(buffer, MethodNoAuthentication, 2, methodCount) < 0)
        {
            string offered = Convert.ToHexString(buffer, 2, methodCount);
            throw await FailAsync(WriteMethodAsync(input.Stream, MethodNoAcceptable, cancellationToken),
                $"SOCKS5 client offered no acceptable authentication method (offered 0x{offered}; only 00, no authentication, is supported)").ConfigureAwait(false);
        }
        await WriteMethodAsync(input.Stream, MethodNoAuthentication, cancellationToken).ConfigureAwait(false);

        int p = 2 + methodCount;
        // The shortest request (ATYP 3 with a one-byte name) is 8 bytes, so 5 are always part of it.
        await input.FillAsync(p + 5, cancellationToken).ConfigureAwait(false);
        byte version = buffer[p];
        byte command = buffer[p + 1];
        byte addressType = buffer[p + 3];
        if (version != Socks5Version)
        {
            throw await FailAsync(SocksReply.WriteSocks5Async(input.Stream, SocksReplyCode.GeneralFailure, null, cancellationToken),
                $"SOCKS5 request has version 0x{version:x2}, expected 05").ConfigureAwait(false);
        }
        int addressLength = addressType switch
        {
            SocksReply.AddressTypeIPv4 => 4,
            SocksReply.AddressTypeIPv6 => 16,
            SocksReply.AddressTypeDomainName => 1 + buffer[p + 4],
            _ => -1,
        };
        if (addressLength < 0)
        {
            throw await FailAsync(SocksReply.WriteSocks5Async(input.Stream, SocksReplyCode.AddressTypeNotSupported, null, cancellationToken),
                $"SOCKS5 address type 0x{addressType:x2} not supported").ConfigureAwait(false);
        }
        int end = p + 4 + addressLength + 2;
        await input.FillAsync(end, cancellationToken).ConfigureAwait(false);
        int port = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(end - 2));
        string host;
        SocksAddressType type;
        switch (addressType)
        {
            case SocksReply.AddressTypeIPv4:
                host = new IPAddress(buffer.AsSpan(p + 4, 4)).ToString();
                type = SocksAddressType.IPv4;
                break;
            case SocksReply.AddressTypeIPv6:
                host = new IPAddress(buffer.AsSpan(p + 4, 16)).ToString();
                type = SocksAddressType.IPv6;
                break;
            default:
                string? name = DecodeHostName(buffer.AsSpan(p + 5, addressLength - 1));
                if (name is null)
                {
                    throw await FailAsync(SocksReply.WriteSocks5Async(input.Stream, SocksReplyCode.GeneralFailure, null, cancellationToken),
                        addressLength == 1 ? "SOCKS5 request has an empty host name" : "SOCKS5 host name has bytes outside printable ASCII").ConfigureAwait(false);
                }
                host = name;
                type = SocksAddressType.DomainName;
                break;
        }
        if (command != CommandConnect)
        {
            throw await FailAsync(SocksReply.WriteSocks5Async(input.Stream, SocksReplyCode.CommandNotSupported, null, cancellationToken),
                $"SOCKS5 command {CommandName(command)} not supported (only CONNECT)").ConfigureAwait(false);
        }
        return new SocksRequest(SocksProtocol.Socks5, type, host, port) { InitialData = input.Leftover(end) };
    }

    // SOCKS4 request (SOCKS4.protocol), and SOCKS4a (SOCKS4A.protocol) when DSTIP is 0.0.0.x with x != 0:
    // +----+----+----+----+----+----+----+----+----+----+....+----+----+....+----+
    // | VN | CD | DSTPORT |      DSTIP        | USERID       |NULL| HOST (4a)  |NULL|
    // +----+----+----+----+----+----+----+----+----+----+....+----+----+....+----+
    //    1    1      2              4           variable       1    variable    1
    // CD: 1 CONNECT, 2 BIND. USERID and HOST are at most 255 bytes here.
    private static async Task<SocksRequest> ReadSocks4Async(Input input, CancellationToken cancellationToken)
    {
        byte[] buffer = input.Buffer;
        await input.FillAsync(8, cancellationToken).ConfigureAwait(false);
        byte command = buffer[1];
        int port = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2));
        int userIdEnd = await input.FindNulAsync(8, cancellationToken).ConfigureAwait(false);
        if (userIdEnd < 0)
        {
            throw await FailAsync(SocksReply.WriteSocks4Async(input.Stream, granted: false, null, cancellationToken),
                $"SOCKS4 user id longer than {MaxNameLength} bytes").ConfigureAwait(false);
        }
        string userId = Encoding.Latin1.GetString(buffer, 8, userIdEnd - 8);
        int end = userIdEnd + 1;
        SocksProtocol protocol;
        SocksAddressType type;
        string host;
        if (buffer[4] == 0 && buffer[5] == 0 && buffer[6] == 0 && buffer[7] != 0)
        {
            int hostEnd = await input.FindNulAsync(end, cancellationToken).ConfigureAwait(false);
            string? name = hostEnd < 0 ? null : DecodeHostName(buffer.AsSpan(end, hostEnd - end));
            if (name is null)
            {
                string why = hostEnd < 0 ? $"longer than {MaxNameLength} bytes" : hostEnd == end ? "empty" : "not printable ASCII";
                throw await FailAsync(SocksReply.WriteSocks4Async(input.Stream, granted: false, null, cancellationToken),
                    $"SOCKS4a host name {why}").ConfigureAwait(false);
            }
            end = hostEnd + 1;
            host = name;
            protocol = SocksProtocol.Socks4a;
            type = SocksAddressType.DomainName;
        }
        else
        {
            host = new IPAddress(buffer.AsSpan(4, 4)).ToString();
            protocol = SocksProtocol.Socks4;
            type = SocksAddressType.IPv4;
        }
        if (command != CommandConnect)
        {
            throw await FailAsync(SocksReply.WriteSocks4Async(input.Stream, granted: false, null, cancellationToken),
                $"SOCKS4 command {CommandName(command)} not supported (only CONNECT)").ConfigureAwait(false);
        }
        return new SocksRequest(protocol, type, host, port) { UserId = userId, InitialData = input.Leftover(end) };
    }

    // HTTP CONNECT, RFC 9110 §9.3.6 and RFC 9112 §3.2.3 (authority-form):
    //   CONNECT host:port HTTP/1.1 CRLF        host = reg-name | IPv4address | "[" IPv6address "]"
    //   *( field-name ":" field-value CRLF )   (headers are read and ignored; Proxy-Authorization included)
    //   CRLF
    // Bare LF line ends are accepted (RFC 9112 §2.2). The whole head must fit in MaxRequestBytes.
    private static async Task<SocksRequest> ReadHttpConnectAsync(Input input, CancellationToken cancellationToken)
    {
        byte[] buffer = input.Buffer;
        int scanned = 0;
        int headEnd;
        while (true)
        {
            int firstLineEnd = Array.IndexOf(buffer, (byte)'\n', 0, input.Count);
            int checkLength = firstLineEnd < 0 ? input.Count : firstLineEnd;
            if (!IsRequestLineText(buffer.AsSpan(0, checkLength)))
            {
                throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 400, "Bad Request", "malformed request line", cancellationToken),
                    "malformed HTTP request line (control or non-ASCII bytes)").ConfigureAwait(false);
            }
            headEnd = FindHeadEnd(buffer, scanned, input.Count);
            if (headEnd >= 0) break;
            scanned = Math.Max(0, input.Count - 2);
            if (input.Count >= MaxRequestBytes)
            {
                throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 431, "Request Header Fields Too Large", null, cancellationToken),
                    $"HTTP request head longer than {MaxRequestBytes} bytes").ConfigureAwait(false);
            }
            await input.FillAsync(input.Count + 1, cancellationToken).ConfigureAwait(false);
        }

        string[] lines = Encoding.Latin1.GetString(buffer, 0, headEnd).Split('\n');
        string requestLine = lines[0].TrimEnd('\r');
        string[] parts = requestLine.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || !IsHttp1Version(parts[2]))
        {
            throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 400, "Bad Request", "malformed request line", cancellationToken),
                $"malformed HTTP request line \"{Truncate(requestLine)}\"").ConfigureAwait(false);
        }
        if (!string.Equals(parts[0], HttpConnectMethod, StringComparison.Ordinal))
        {
            throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 405, "Method Not Allowed", "only CONNECT is supported", cancellationToken),
                $"HTTP method {Truncate(parts[0])} not supported (only CONNECT)").ConfigureAwait(false);
        }
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) break;
            if (!IsHeaderLine(line))
            {
                throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 400, "Bad Request", "malformed header field", cancellationToken),
                    $"malformed HTTP header line \"{Truncate(line)}\"").ConfigureAwait(false);
            }
        }
        if (!TryParseAuthority(parts[1], out string host, out SocksAddressType type, out int port))
        {
            throw await FailAsync(SocksReply.WriteHttpErrorAsync(input.Stream, 400, "Bad Request", "CONNECT target must be host:port", cancellationToken),
                $"malformed HTTP CONNECT target \"{Truncate(parts[1])}\"").ConfigureAwait(false);
        }
        return new SocksRequest(SocksProtocol.HttpConnect, type, host, port) { InitialData = input.Leftover(headEnd) };
    }

    /// <summary>Index just past the empty line ending the head (CRLF CRLF, or bare LFs), or -1.</summary>
    private static int FindHeadEnd(byte[] buffer, int from, int count)
    {
        for (int i = Array.IndexOf(buffer, (byte)'\n', from, count - from); i >= 0 && i < count; i = Array.IndexOf(buffer, (byte)'\n', i + 1, count - i - 1))
        {
            if (i + 1 < count && buffer[i + 1] == '\n') return i + 2;
            if (i + 2 < count && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') return i + 3;
            if (i + 1 >= count) break;
        }
        return -1;
    }

    /// <summary>Printable ASCII and spaces (a CR is allowed only as the last byte, before the LF).</summary>
    private static bool IsRequestLineText(ReadOnlySpan<byte> line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            byte b = line[i];
            if (b is >= 0x20 and <= 0x7E) continue;
            if (b == '\r' && i == line.Length - 1) continue;
            return false;
        }
        return true;
    }

    private static bool IsHttp1Version(string version) =>
        version.Length == 8 && version.StartsWith("HTTP/1.", StringComparison.Ordinal) && char.IsAsciiDigit(version[7]);

    /// <summary>field-name ":" field-value (RFC 9112 §5): a token name with no space before the colon, no control bytes, no obs-fold.</summary>
    private static bool IsHeaderLine(string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0) return false;
        for (int i = 0; i < colon; i++)
        {
            char c = line[i];
            if (c <= ' ' || c >= 0x7F || c is '(' or ')' or ',' or '/' or ';' or '<' or '=' or '>' or '?' or '@' or '[' or '\\' or ']' or '{' or '}' or '"') return false;
        }
        for (int i = colon + 1; i < line.Length; i++)
        {
            char c = line[i];
            if ((c < ' ' && c != '\t') || c == 0x7F) return false;
        }
        return true;
    }

    /// <summary>Parses "host:port" or "[IPv6]:port"; the IPv6 host is returned without brackets.</summary>
    internal static bool TryParseAuthority(string target, out string host, out SocksAddressType type, out int port)
    {
        host = "";
        type = SocksAddressType.DomainName;
        port = 0;
        string portText;
        if (target.StartsWith('['))
        {
            int close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= target.Length || target[close + 1] != ':') return false;
            if (!IPAddress.TryParse(target.AsSpan(1, close - 1), out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6) return false;
            host = address.ToString();
            type = SocksAddressType.IPv6;
            portText = target[(close + 2)..];
        }
        else
        {
            int colon = target.LastIndexOf(':');
            if (colon <= 0 || colon > MaxNameLength) return false; // a DNS name is at most 255 bytes, as in SOCKS
            string name = target[..colon];
            foreach (char c in name)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_')) return false;
            }
            host = name;
            type = IsDottedQuad(name) ? SocksAddressType.IPv4 : SocksAddressType.DomainName;
            portText = target[(colon + 1)..];
        }
        if (portText.Length is 0 or > 5) return false;
        foreach (char c in portText)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        port = int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture);
        return port <= 65535;
    }

    private static bool IsDottedQuad(string name) =>
        name.Count(c => c == '.') == 3 && IPAddress.TryParse(name, out IPAddress? a) && a.AddressFamily == AddressFamily.InterNetwork
        && string.Equals(a.ToString(), name, StringComparison.Ordinal);

    /// <summary>A SOCKS host name as a string: 1-255 printable ASCII bytes, no spaces; null otherwise.</summary>
    private static string? DecodeHostName(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > MaxNameLength) return null;
        foreach (byte b in bytes)
        {
            if (b is < 0x21 or > 0x7E) return null;
        }
        return Encoding.ASCII.GetString(bytes);
    }

    private static string CommandName(byte command) => command switch
    {
        1 => "CONNECT",
        2 => "BIND",
        3 => "UDP ASSOCIATE",
        _ => $"0x{command:x2}",
    };

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";

    private static async Task WriteMethodAsync(Stream stream, byte method, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(new byte[] { Socks5Version, method }, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Awaits a failure reply (a client already gone is fine) and makes the exception to throw.</summary>
    private static async Task<SocksException> FailAsync(Task reply, string message)
    {
        try
        {
            await reply.ConfigureAwait(false);
            return new SocksException(message, replySent: true);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return new SocksException(message, replySent: false, ex);
        }
    }

    /// <summary>The request bytes read so far, all in one rented buffer (never compacted: a request is at most <see cref="MaxRequestBytes"/>).</summary>
    private sealed class Input(Stream stream, byte[] buffer)
    {
        public Stream Stream { get; } = stream;

        public byte[] Buffer { get; } = buffer;

        public int Count { get; private set; }

        /// <summary>Reads until at least <paramref name="needed"/> bytes are buffered (whatever the stream gives, up to the limit).</summary>
        /// <exception cref="SocksException">The client closed the connection first.</exception>
        public async ValueTask FillAsync(int needed, CancellationToken cancellationToken)
        {
            while (Count < needed)
            {
                int read = await Stream.ReadAsync(Buffer.AsMemory(Count, MaxRequestBytes - Count), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new SocksException(Count == 0
                        ? "client closed the connection without sending a request"
                        : $"client closed the connection in the middle of the request (after {Count} bytes)");
                }
                Count += read;
            }
        }

        /// <summary>Index of the NUL ending a string that starts at <paramref name="start"/>, or -1 when it is longer than <see cref="MaxNameLength"/>.</summary>
        public async ValueTask<int> FindNulAsync(int start, CancellationToken cancellationToken)
        {
            int limit = start + MaxNameLength + 1; // the NUL may be at most here (exclusive end of the search)
            int from = start;
            while (true)
            {
                int end = Math.Min(Count, limit);
                int nul = from < end ? Array.IndexOf(Buffer, (byte)0, from, end - from) : -1;
                if (nul >= 0) return nul;
                if (Count >= limit) return -1;
                from = Count;
                await FillAsync(Count + 1, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>A copy of the bytes after <paramref name="consumed"/> (data the client sent ahead of our reply).</summary>
        public ReadOnlyMemory<byte> Leftover(int consumed) => Count > consumed ? Buffer.AsSpan(consumed, Count - consumed).ToArray() : ReadOnlyMemory<byte>.Empty;
    }
}
