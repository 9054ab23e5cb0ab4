using System.Text;
using SshTunnel.Socks;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Socks;

public class SocksServerHandshakeTests
{
    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    internal static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private const string NoAuthGreeting = "05 01 00";
    private const string MethodNoAuth = "0500";
    private const string Socks5FailurePrefix = "05"; // + REP + "00 01 00000000 0000"

    private static string Socks5Reply(string rep) => $"05{rep}0001000000000000";

    // (name, request bytes, protocol, address type, host, port, bytes the server must have written)
    public static TheoryData<string, string, int, int, string, int, string> ValidRequests => new()
    {
        { "socks5 ipv4", NoAuthGreeting + "05 01 00 01 7f000001 0050", (int)SocksProtocol.Socks5, (int)SocksAddressType.IPv4, "127.0.0.1", 80, MethodNoAuth },
        { "socks5 ipv6 loopback", NoAuthGreeting + "05 01 00 04 00000000000000000000000000000001 01bb", (int)SocksProtocol.Socks5, (int)SocksAddressType.IPv6, "::1", 443, MethodNoAuth },
        { "socks5 ipv6", NoAuthGreeting + "05 01 00 04 20010db8000000000000000000000001 ffff", (int)SocksProtocol.Socks5, (int)SocksAddressType.IPv6, "2001:db8::1", 65535, MethodNoAuth },
        { "socks5 domain", NoAuthGreeting + "05 01 00 03 0b " + Convert.ToHexString(Ascii("example.com")) + " 01bb", (int)SocksProtocol.Socks5, (int)SocksAddressType.DomainName, "example.com", 443, MethodNoAuth },
        { "socks5 several methods", "05 03 02 01 00" + "05 01 00 01 0a000001 0016", (int)SocksProtocol.Socks5, (int)SocksAddressType.IPv4, "10.0.0.1", 22, MethodNoAuth },
        { "socks5 port 0", NoAuthGreeting + "05 01 00 01 01020304 0000", (int)SocksProtocol.Socks5, (int)SocksAddressType.IPv4, "1.2.3.4", 0, MethodNoAuth },
        { "socks4", "04 01 0050 7f000001 " + Convert.ToHexString(Ascii("user")) + " 00", (int)SocksProtocol.Socks4, (int)SocksAddressType.IPv4, "127.0.0.1", 80, "" },
        { "socks4 empty user", "04 01 1f90 c0a80001 00", (int)SocksProtocol.Socks4, (int)SocksAddressType.IPv4, "192.168.0.1", 8080, "" },
        { "socks4a", "04 01 01bb 00000001 00 " + Convert.ToHexString(Ascii("example.com")) + " 00", (int)SocksProtocol.Socks4a, (int)SocksAddressType.DomainName, "example.com", 443, "" },
        { "socks4a with user", "04 01 0016 000000ff 6a6f65 00 " + Convert.ToHexString(Ascii("gw.internal")) + " 00", (int)SocksProtocol.Socks4a, (int)SocksAddressType.DomainName, "gw.internal", 22, "" },
        { "http", Convert.ToHexString(Ascii("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nUser-Agent: curl/8.5.0\r\nProxy-Connection: Keep-Alive\r\n\r\n")), (int)SocksProtocol.HttpConnect, (int)SocksAddressType.DomainName, "example.com", 443, "" },
        { "http ipv6", Convert.ToHexString(Ascii("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n")), (int)SocksProtocol.HttpConnect, (int)SocksAddressType.IPv6, "::1", 443, "" },
        { "http ipv4 1.0 no headers", Convert.ToHexString(Ascii("CONNECT 10.1.2.3:22 HTTP/1.0\r\n\r\n")), (int)SocksProtocol.HttpConnect, (int)SocksAddressType.IPv4, "10.1.2.3", 22, "" },
        { "http bare LF", Convert.ToHexString(Ascii("CONNECT h_1.example-x:8443 HTTP/1.1\nHost: x\n\n")), (int)SocksProtocol.HttpConnect, (int)SocksAddressType.DomainName, "h_1.example-x", 8443, "" },
        { "http auth header", Convert.ToHexString(Ascii("CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\nX-Empty:\r\n\r\n")), (int)SocksProtocol.HttpConnect, (int)SocksAddressType.DomainName, "a", 1, "" },
    };

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public async Task Valid_requests_parse_whole_and_byte_by_byte(string name, string requestHex, int protocol, int addressType, string host, int port, string writtenHex)
    {
        foreach (int chunk in new[] { int.MaxValue, 1, 3 })
        {
            var stream = new ScriptedStream(Hex(requestHex), chunk);
            SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
            Assert.Equal((SocksProtocol)protocol, request.Protocol);
            Assert.Equal((SocksAddressType)addressType, request.AddressType);
            Assert.Equal(host, request.Host);
            Assert.Equal(port, request.Port);
            Assert.True(request.InitialData.IsEmpty, name);
            Assert.Equal(writtenHex, Convert.ToHexString(stream.Written));
            Assert.Equal(Hex(requestHex).Length, stream.BytesConsumed);
        }
    }

    [Fact]
    public async Task Socks4_user_id_is_kept()
    {
        var stream = new ScriptedStream(Hex("04 01 0050 7f000001 " + Convert.ToHexString(Ascii("alice")) + " 00"));
        SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
        Assert.Equal("alice", request.UserId);
        Assert.Equal("127.0.0.1:80", request.ToString());
    }

    [Fact]
    public async Task Ipv6_request_formats_with_brackets_only_in_ToString()
    {
        var stream = new ScriptedStream(Ascii("CONNECT [2001:db8::7]:8080 HTTP/1.1\r\n\r\n"));
        SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
        Assert.Equal("2001:db8::7", request.Host);
        Assert.Equal("[2001:db8::7]:8080", request.ToString());
    }

    [Theory]
    [InlineData(NoAuthGreeting + "05 01 00 01 7f000001 0050")]
    [InlineData("04 01 0050 7f000001 00")]
    [InlineData("04 01 0050 00000001 00 6161 00")]
    public async Task Bytes_sent_ahead_of_the_reply_are_returned_as_initial_data(string requestHex)
    {
        byte[] input = Concat(Hex(requestHex), Ascii("GET / HTTP/1.0\r\n\r\n"));
        var stream = new ScriptedStream(input);
        SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
        Assert.Equal("GET / HTTP/1.0\r\n\r\n", Encoding.ASCII.GetString(request.InitialData.Span));
    }

    [Fact]
    public async Task Http_bytes_after_the_head_are_returned_as_initial_data()
    {
        var stream = new ScriptedStream(Ascii("CONNECT a:1 HTTP/1.1\r\nHost: a\r\n\r\n\x16\x03\x01"));
        SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
        Assert.Equal(Hex("160301"), request.InitialData.ToArray());
    }

    // (request bytes, bytes the server must write, whether a failure reply was sent)
    public static TheoryData<string, string, bool> SocksFailures => new()
    {
        // SOCKS5 method negotiation: zero methods, or no NO AUTHENTICATION REQUIRED → X'FF'
        { "05 00", "05FF", true },
        { "05 01 02", "05FF", true },
        { "05 02 01 02", "05FF", true },
        { "05 ff" + string.Concat(Enumerable.Range(1, 255).Select(i => $"{i:x2}")), "05FF", true },
        // SOCKS5 commands: BIND, UDP ASSOCIATE and unknown → X'07'
        { NoAuthGreeting + "05 02 00 01 7f000001 0050", MethodNoAuth + Socks5Reply("07"), true },
        { NoAuthGreeting + "05 03 00 01 00000000 0000", MethodNoAuth + Socks5Reply("07"), true },
        { NoAuthGreeting + "05 09 00 03 01 61 0050", MethodNoAuth + Socks5Reply("07"), true },
        // SOCKS5 address types 0, 2, 5 → X'08'
        { NoAuthGreeting + "05 01 00 02 7f000001 0050", MethodNoAuth + Socks5Reply("08"), true },
        { NoAuthGreeting + "05 01 00 00 7f000001 0050", MethodNoAuth + Socks5Reply("08"), true },
        { NoAuthGreeting + "05 01 00 05 7f000001 0050", MethodNoAuth + Socks5Reply("08"), true },
        // SOCKS5 request with a wrong version, an empty or unprintable name → X'01'
        { NoAuthGreeting + "04 01 00 01 7f000001 0050", MethodNoAuth + Socks5Reply("01"), true },
        { NoAuthGreeting + "05 01 00 03 00 0050 0000", MethodNoAuth + Socks5Reply("01"), true },
        { NoAuthGreeting + "05 01 00 03 03 610062 0050", MethodNoAuth + Socks5Reply("01"), true },
        { NoAuthGreeting + "05 01 00 03 03 612062 0050", MethodNoAuth + Socks5Reply("01"), true },
        { NoAuthGreeting + "05 01 00 03 02 c3a9 0050", MethodNoAuth + Socks5Reply("01"), true },
        // SOCKS4: BIND / unknown command, user id or 4a host too long, empty 4a host → 0x5B
        { "04 02 0050 7f000001 00", "005B000000000000", true },
        { "04 00 0050 7f000001 00", "005B000000000000", true },
        { "04 02 0050 00000001 00 61 00", "005B000000000000", true },
        { "04 01 0050 7f000001 " + new string('a', 2 * 256) + " 00", "005B000000000000", true },
        { "04 01 0050 00000001 00 " + new string('b', 2 * 256) + " 00", "005B000000000000", true },
        { "04 01 0050 00000001 00 00", "005B000000000000", true },
        { "04 01 0050 00000001 00 0a0d 00", "005B000000000000", true },
        // Neither SOCKS nor HTTP: closed without a reply
        { "00", "", false },
        { "16 03 01 00 05", "", false },
        { "ff ff ff", "", false },
        { "30 31", "", false },
    };

    [Theory]
    [MemberData(nameof(SocksFailures))]
    public async Task Bad_socks_requests_get_the_proper_reply(string requestHex, string writtenHex, bool replySent)
    {
        foreach (int chunk in new[] { int.MaxValue, 1 })
        {
            var stream = new ScriptedStream(Hex(requestHex), chunk);
            SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).WithTimeout());
            Assert.Equal(replySent, ex.ReplySent);
            Assert.Equal(writtenHex, Convert.ToHexString(stream.Written));
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        }
    }

    [Fact]
    public async Task Socks5_without_no_auth_names_the_offered_methods()
    {
        var stream = new ScriptedStream(Hex("05 02 01 02"));
        SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream));
        Assert.Contains("0x0102", ex.Message);
    }

    [Theory]
    [InlineData("05 01 00 05 02 00 01 7f000001 0050", "BIND")]
    [InlineData("05 01 00 05 03 00 01 7f000001 0050", "UDP ASSOCIATE")]
    [InlineData("04 02 0050 7f000001 00", "BIND")]
    public async Task Unsupported_command_is_named(string requestHex, string command)
    {
        SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(new ScriptedStream(Hex(requestHex))));
        Assert.Contains(command, ex.Message);
        Assert.Contains("not supported", ex.Message);
    }

    // (request text, expected status line)
    public static TheoryData<string, string> HttpFailures => new()
    {
        { "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", "HTTP/1.1 405 Method Not Allowed" },
        { "connect a:1 HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed" },
        { "POST / HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed" },
        { "CONNECT example.com HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT example.com: HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT :443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT example.com:123456 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT example.com:-1 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT example.com:+80 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT ::1:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT [::1:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT [::1]443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT [127.0.0.1]:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT [zz]:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT user@host:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT http://host:443/ HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/2.0\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1 extra\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT  a:1 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1\r\nNoColonHere\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1\r\nBad Name: x\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1\r\n: empty name\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a:1 HTTP/1.1\r\nHost: a\x01b\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT a\x00:1 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "CONNECT \u00e9:1 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request" },
        { "Hello\r\n\r\n", "HTTP/1.1 400 Bad Request" },
    };

    [Theory]
    [MemberData(nameof(HttpFailures))]
    public async Task Bad_http_requests_get_an_error_status(string request, string statusLine)
    {
        var stream = new ScriptedStream(Encoding.Latin1.GetBytes(request));
        SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).WithTimeout());
        Assert.True(ex.ReplySent);
        string response = Encoding.ASCII.GetString(stream.Written);
        Assert.StartsWith(statusLine + "\r\n", response);
        AssertWellFormedHttpError(response);
    }

    internal static void AssertWellFormedHttpError(string response)
    {
        int headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, response);
        string[] headers = response[..headEnd].Split("\r\n");
        string body = response[(headEnd + 4)..];
        Assert.Contains("Connection: close", headers);
        Assert.Contains($"Content-Length: {body.Length}", headers);
        Assert.EndsWith("\n", body);
        Assert.StartsWith(headers[0]["HTTP/1.1 ".Length..], body);
    }

    [Fact]
    public async Task Method_not_allowed_lists_connect()
    {
        var stream = new ScriptedStream(Ascii("GET / HTTP/1.1\r\n\r\n"));
        await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream));
        Assert.Contains("\r\nAllow: CONNECT\r\n", Encoding.ASCII.GetString(stream.Written));
    }

    [Fact]
    public async Task Http_head_without_blank_line_within_the_limit_gets_431()
    {
        // 8 KiB of headers that never end: answered once the limit is reached, without waiting for more.
        var head = new StringBuilder("CONNECT a:1 HTTP/1.1\r\n");
        while (head.Length < SocksServerHandshake.MaxRequestBytes + 100) head.Append("X-Filler: 0123456789abcdef\r\n");
        var stream = new ScriptedStream(Ascii(head.ToString()), chunkSize: 1000, hangAtEnd: true);
        SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).WithTimeout());
        Assert.True(ex.ReplySent);
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n", Encoding.ASCII.GetString(stream.Written));
        Assert.Equal(SocksServerHandshake.MaxRequestBytes, stream.BytesConsumed);
    }

    [Fact]
    public async Task Http_request_line_of_exactly_the_limit_is_still_answered()
    {
        string line = "CONNECT a:1 HTTP/1.1\r\n";
        string filler = "X: " + new string('y', SocksServerHandshake.MaxRequestBytes - line.Length - 3 - 4) + "\r\n\r\n";
        var stream = new ScriptedStream(Ascii(line + filler));
        SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout();
        Assert.Equal("a", request.Host);
        Assert.Equal(SocksServerHandshake.MaxRequestBytes, stream.BytesConsumed);
    }

    [Fact]
    public async Task Garbage_request_line_is_rejected_without_waiting_for_the_line_end()
    {
        // The client never sends a line end and never closes: the control byte alone decides.
        var stream = new ScriptedStream(Ascii("CON\x01NECT"), hangAtEnd: true);
        SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).WithTimeout());
        Assert.True(ex.ReplySent);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Encoding.ASCII.GetString(stream.Written));
    }

    public static TheoryData<string> TruncatableRequests => new()
    {
        NoAuthGreeting + "05 01 00 01 7f000001 0050",
        NoAuthGreeting + "05 01 00 04 20010db8000000000000000000000001 01bb",
        NoAuthGreeting + "05 01 00 03 0b " + Convert.ToHexString(Ascii("example.com")) + " 01bb",
        "04 01 0050 7f000001 757365 00",
        "04 01 01bb 00000001 00 " + Convert.ToHexString(Ascii("example.com")) + " 00",
        Convert.ToHexString(Ascii("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n")),
    };

    [Theory]
    [MemberData(nameof(TruncatableRequests))]
    public async Task Request_truncated_at_every_byte_fails_cleanly(string requestHex)
    {
        byte[] full = Hex(requestHex);
        for (int length = 0; length < full.Length; length++)
        {
            foreach (int chunk in new[] { int.MaxValue, 1 })
            {
                var stream = new ScriptedStream(full[..length], chunk);
                SocksException ex = await Assert.ThrowsAsync<SocksException>(() => SocksServerHandshake.ReadRequestAsync(stream).WithTimeout());
                Assert.False(ex.ReplySent);
                Assert.Contains("closed the connection", ex.Message);
            }
        }
    }

    [Fact]
    public async Task Silent_client_times_out_and_the_stream_is_disposed()
    {
        var stream = new ScriptedStream([], hangAtEnd: true);
        var started = System.Diagnostics.Stopwatch.StartNew();
        SocksException ex = await Assert.ThrowsAsync<SocksException>(
            () => SocksServerHandshake.ReadRequestAsync(stream, TimeSpan.FromMilliseconds(200)).WithTimeout());
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Contains("no complete proxy request", ex.Message);
        Assert.True(stream.IsDisposed);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Client_stalling_mid_request_times_out()
    {
        var stream = new ScriptedStream(Hex(NoAuthGreeting + "05 01 00 03 0b 6578"), hangAtEnd: true);
        SocksException ex = await Assert.ThrowsAsync<SocksException>(
            () => SocksServerHandshake.ReadRequestAsync(stream, TimeSpan.FromMilliseconds(200)).WithTimeout());
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Equal(MethodNoAuth, Convert.ToHexString(stream.Written));
    }

    [Fact]
    public async Task Caller_cancellation_is_an_OperationCanceledException_and_disposes_the_stream()
    {
        var stream = new ScriptedStream(Hex("05"), hangAtEnd: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SocksServerHandshake.ReadRequestAsync(stream, cts.Token).WithTimeout());
        Assert.True(stream.IsDisposed);

        // The timeout overload reports the caller's own cancellation as such, not as a timeout.
        var stream2 = new ScriptedStream([], hangAtEnd: true);
        using var cts2 = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => SocksServerHandshake.ReadRequestAsync(stream2, TimeSpan.FromMinutes(5), cts2.Token).WithTimeout());
    }

    [Fact]
    public async Task Random_input_never_escapes_as_another_exception_or_hangs()
    {
        var rng = new Random(4242);
        byte[] prefixes = [0x04, 0x05, (byte)'C', (byte)'G'];
        for (int i = 0; i < 3000; i++)
        {
            var input = new byte[rng.Next(0, 64)];
            rng.NextBytes(input);
            if (input.Length > 0 && rng.Next(2) == 0) input[0] = prefixes[rng.Next(prefixes.Length)];
            if (input.Length > 2 && input[0] == 0x05 && rng.Next(2) == 0) { input[1] = 1; input[2] = 0; }
            if (input.Length > 3 && input[0] == 0x05 && input[1] == 1 && input[2] == 0 && rng.Next(2) == 0) input[3] = 5;
            var stream = new ScriptedStream(input, chunkSize: 1 + rng.Next(8));
            try
            {
                SocksRequest request = await SocksServerHandshake.ReadRequestAsync(stream).WithTimeout(TimeSpan.FromSeconds(5));
                Assert.InRange(request.Port, 0, 65535);
                Assert.False(string.IsNullOrEmpty(request.Host));
            }
            catch (SocksException)
            {
            }
        }
    }
}
