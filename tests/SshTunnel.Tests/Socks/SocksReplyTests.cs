using System.Net;
using System.Text;
using SshTunnel.Socks;
using SshTunnel.Tests.Infrastructure;

namespace SshTunnel.Tests.Socks;

public class SocksReplyTests
{
    private static readonly SocksRequest Socks5 = new(SocksProtocol.Socks5, SocksAddressType.DomainName, "example.com", 443);
    private static readonly SocksRequest Socks4 = new(SocksProtocol.Socks4, SocksAddressType.IPv4, "10.0.0.1", 80);
    private static readonly SocksRequest Socks4a = new(SocksProtocol.Socks4a, SocksAddressType.DomainName, "example.com", 80);
    private static readonly SocksRequest Http = new(SocksProtocol.HttpConnect, SocksAddressType.DomainName, "example.com", 443);

    private static async Task<byte[]> WriteAsync(Func<Stream, Task> write)
    {
        var stream = new MemoryStream();
        await write(stream).WithTimeout();
        return stream.ToArray();
    }

    [Fact]
    public async Task Socks5_success_without_bound_address_is_ipv4_zeros_like_openssh()
    {
        byte[] reply = await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks5));
        Assert.Equal("05000001000000000000", Convert.ToHexString(reply));
    }

    [Fact]
    public async Task Socks5_success_carries_the_bound_address()
    {
        Assert.Equal("0500000101020304BEEF", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks5, new IPEndPoint(IPAddress.Parse("1.2.3.4"), 0xBEEF)))));
        Assert.Equal("0500000420010DB80000000000000000000000010050",
            Convert.ToHexString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks5, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 80)))));
    }

    [Theory]
    [InlineData((int)SocksReplyCode.GeneralFailure, "05010001000000000000")]
    [InlineData((int)SocksReplyCode.NotAllowed, "05020001000000000000")]
    [InlineData((int)SocksReplyCode.NetworkUnreachable, "05030001000000000000")]
    [InlineData((int)SocksReplyCode.HostUnreachable, "05040001000000000000")]
    [InlineData((int)SocksReplyCode.ConnectionRefused, "05050001000000000000")]
    [InlineData((int)SocksReplyCode.TtlExpired, "05060001000000000000")]
    [InlineData((int)SocksReplyCode.CommandNotSupported, "05070001000000000000")]
    [InlineData((int)SocksReplyCode.AddressTypeNotSupported, "05080001000000000000")]
    public async Task Socks5_failure_encodes_the_rfc1928_rep(int code, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Socks5, (SocksReplyCode)code, "ignored"))));
    }

    [Fact]
    public async Task Socks4_success_and_failure()
    {
        Assert.Equal("005A000000000000", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks4))));
        Assert.Equal("005A04380A000001", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks4a, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1080)))));
        // SOCKS4 cannot carry IPv6: zeros.
        Assert.Equal("005A000000000000", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Socks4, new IPEndPoint(IPAddress.IPv6Loopback, 1)))));
        foreach (SocksReplyCode code in Enum.GetValues<SocksReplyCode>().Where(c => c != SocksReplyCode.Succeeded))
        {
            Assert.Equal("005B000000000000", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Socks4, code))));
            Assert.Equal("005B000000000000", Convert.ToHexString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Socks4a, code))));
        }
    }

    [Fact]
    public async Task Http_success_is_200_connection_established()
    {
        Assert.Equal("HTTP/1.1 200 Connection established\r\n\r\n", Encoding.ASCII.GetString(await WriteAsync(s => SocksReply.WriteSuccessAsync(s, Http))));
    }

    [Theory]
    [InlineData((int)SocksReplyCode.GeneralFailure, "502 Bad Gateway")]
    [InlineData((int)SocksReplyCode.NotAllowed, "403 Forbidden")]
    [InlineData((int)SocksReplyCode.NetworkUnreachable, "502 Bad Gateway")]
    [InlineData((int)SocksReplyCode.HostUnreachable, "502 Bad Gateway")]
    [InlineData((int)SocksReplyCode.ConnectionRefused, "502 Bad Gateway")]
    [InlineData((int)SocksReplyCode.TtlExpired, "504 Gateway Timeout")]
    [InlineData((int)SocksReplyCode.CommandNotSupported, "405 Method Not Allowed")]
    [InlineData((int)SocksReplyCode.AddressTypeNotSupported, "400 Bad Request")]
    public async Task Http_failure_status_lines(int code, string status)
    {
        string response = Encoding.ASCII.GetString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Http, (SocksReplyCode)code, "Connection refused")));
        Assert.StartsWith($"HTTP/1.1 {status}\r\n", response);
        Assert.EndsWith($"\r\n\r\n{status}: Connection refused\n", response);
        SocksServerHandshakeTests.AssertWellFormedHttpError(response);
    }

    [Fact]
    public async Task Http_failure_message_cannot_inject_headers()
    {
        string response = Encoding.ASCII.GetString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Http, SocksReplyCode.GeneralFailure, "x\r\nSet-Cookie: a=b\r\n\r\n\u00e9")));
        Assert.Equal(1, response.Split("\r\n\r\n").Length - 1);
        Assert.DoesNotContain("\r\nSet-Cookie", response);
        Assert.EndsWith("502 Bad Gateway: x??Set-Cookie: a=b?????\n", response);
        SocksServerHandshakeTests.AssertWellFormedHttpError(response);
    }

    [Fact]
    public async Task Http_failure_without_message_has_a_status_body()
    {
        string response = Encoding.ASCII.GetString(await WriteAsync(s => SocksReply.WriteFailureAsync(s, Http, SocksReplyCode.TtlExpired)));
        Assert.Equal("HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain\r\nContent-Length: 20\r\nConnection: close\r\n\r\n504 Gateway Timeout\n", response);
    }

    [Fact]
    public async Task Failure_with_success_code_is_an_argument_error()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => SocksReply.WriteFailureAsync(new MemoryStream(), Socks5, SocksReplyCode.Succeeded));
    }
}
