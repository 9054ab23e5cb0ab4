using SshTunnel.Errors;
using SshTunnel.Forwarding;

namespace SshTunnel.Tests.Forwarding;

/// <summary>Byte-exact encodings and malformed input of the streamlocal payloads (OpenSSH PROTOCOL §2.4).</summary>
public sealed class StreamLocalMessagesTests
{
    [Fact]
    public void DirectOpen_EncodesPathEmptyReservedAndZero()
    {
        byte[] data = StreamLocalMessages.EncodeDirectOpen("/r/s");
        Assert.Equal(Convert.FromHexString("000000042F722F73" + "00000000" + "00000000"), data);
        var parsed = StreamLocalMessages.ParseDirectOpen(data);
        Assert.Equal("/r/s", parsed.SocketPath);
        Assert.Equal("", parsed.Reserved);
        Assert.Equal(0u, parsed.ReservedNumber);
    }

    [Fact]
    public void ForwardedOpen_EncodesPathAndEmptyReserved()
    {
        byte[] data = StreamLocalMessages.EncodeForwardedOpen("/r/s");
        Assert.Equal(Convert.FromHexString("000000042F722F73" + "00000000"), data);
        Assert.Equal("/r/s", StreamLocalMessages.ParseForwardedOpen(data).SocketPath);
    }

    [Fact]
    public void ForwardRequest_EncodesPath()
    {
        Assert.Equal(Convert.FromHexString("000000042F722F73"), StreamLocalMessages.EncodeForwardRequest("/r/s"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("000000052F722F73")] // length beyond the data
    [InlineData("000000042F722F73")] // reserved string missing
    [InlineData("000000042F722F7300000000")] // reserved uint32 missing
    [InlineData("000000042F722F73000000000000000000")] // trailing byte
    [InlineData("FFFFFFFF")]
    public void DirectOpen_Malformed_ThrowsProtocolException(string hex)
    {
        Assert.Throws<SshProtocolException>(() => StreamLocalMessages.ParseDirectOpen(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("000000042F722F73")]
    [InlineData("000000042F722F730000000000")]
    [InlineData("00000002C328" + "00000000")] // invalid UTF-8
    public void ForwardedOpen_Malformed_ThrowsProtocolException(string hex)
    {
        Assert.Throws<SshProtocolException>(() => StreamLocalMessages.ParseForwardedOpen(Convert.FromHexString(hex)));
    }
}
