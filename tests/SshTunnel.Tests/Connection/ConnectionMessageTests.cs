using SshTunnel.Errors;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;

namespace SshTunnel.Tests.Connection;

public class ConnectionMessageTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private delegate void WriteAction(ref SshWriter writer);

    private static byte[] Encode(WriteAction write)
    {
        var writer = new SshWriter(16);
        write(ref writer);
        return writer.ToArray();
    }

    [Fact]
    public void GlobalRequest_ByteExact_RoundTrip()
    {
        byte[] expected = Hex("50 0000000d 74637069702d666f7277617264 01 00000000 00000000");
        byte[] data = new TcpipForwardRequestData { AddressToBind = "", PortToBind = 0 }.ToArray();
        byte[] bytes = Encode((ref SshWriter w) => new GlobalRequestMessage { RequestName = "tcpip-forward", WantReply = true, RequestSpecificData = data }.Write(ref w));
        Assert.Equal(expected, bytes);
        var reader = new SshReader(bytes);
        var message = GlobalRequestMessage.Read(ref reader);
        Assert.Equal("tcpip-forward", message.RequestName);
        Assert.True(message.WantReply);
        var forward = TcpipForwardRequestData.Parse(message.RequestSpecificData);
        Assert.Equal("", forward.AddressToBind);
        Assert.Equal(0u, forward.PortToBind);
    }

    [Fact]
    public void RequestSuccess_WithPort_ByteExact()
    {
        byte[] port = Encode((ref SshWriter w) => new TcpipForwardResponseData { PortBound = 37675 }.Write(ref w));
        byte[] bytes = Encode((ref SshWriter w) => new RequestSuccessMessage { ResponseSpecificData = port }.Write(ref w));
        Assert.Equal(Hex("51 0000932b"), bytes);
        var reader = new SshReader(bytes);
        Assert.Equal(37675u, TcpipForwardResponseData.Parse(RequestSuccessMessage.Read(ref reader).ResponseSpecificData).PortBound);
    }

    [Fact]
    public void RequestFailure_ByteExact_AndTrailingBytesRejected()
    {
        Assert.Equal(Hex("52"), Encode((ref SshWriter w) => new RequestFailureMessage().Write(ref w)));
        Assert.Throws<SshProtocolException>(() => { var r = new SshReader(Hex("52 00")); RequestFailureMessage.Read(ref r); });
    }

    [Fact]
    public void ChannelOpen_DirectTcpip_ByteExact_RoundTrip()
    {
        byte[] data = new DirectTcpipOpenData { HostToConnect = "localhost", PortToConnect = 22, OriginatorAddress = "127.0.0.1", OriginatorPort = 50000 }.ToArray();
        byte[] bytes = Encode((ref SshWriter w) => new ChannelOpenMessage
        {
            ChannelType = "direct-tcpip", SenderChannel = 3, InitialWindowSize = 0x200000, MaximumPacketSize = 0x8000, TypeSpecificData = data,
        }.Write(ref w));
        Assert.Equal(Hex("5a 0000000c 6469726563742d7463706970 00000003 00200000 00008000"
            + "00000009 6c6f63616c686f7374 00000016 00000009 3132372e302e302e31 0000c350"), bytes);
        var reader = new SshReader(bytes);
        var open = ChannelOpenMessage.Read(ref reader);
        Assert.Equal("direct-tcpip", open.ChannelType);
        Assert.Equal(3u, open.SenderChannel);
        Assert.Equal(0x200000u, open.InitialWindowSize);
        Assert.Equal(0x8000u, open.MaximumPacketSize);
        var direct = DirectTcpipOpenData.Parse(open.TypeSpecificData);
        Assert.Equal(("localhost", 22u, "127.0.0.1", 50000u), (direct.HostToConnect, direct.PortToConnect, direct.OriginatorAddress, direct.OriginatorPort));
    }

    [Fact]
    public void ForwardedTcpip_RoundTrip_AndTrailingRejected()
    {
        byte[] data = new ForwardedTcpipOpenData { ConnectedAddress = "", ConnectedPort = 8080, OriginatorAddress = "::1", OriginatorPort = 1 }.ToArray();
        Assert.Equal(Hex("00000000 00001f90 00000003 3a3a31 00000001"), data);
        var parsed = ForwardedTcpipOpenData.Parse(data);
        Assert.Equal(("", 8080u, "::1", 1u), (parsed.ConnectedAddress, parsed.ConnectedPort, parsed.OriginatorAddress, parsed.OriginatorPort));
        Assert.Throws<SshProtocolException>(() => ForwardedTcpipOpenData.Parse([.. data, 0]));
        Assert.Throws<SshProtocolException>(() => DirectTcpipOpenData.Parse(data.AsSpan(0, data.Length - 1)));
    }

    [Fact]
    public void StreamLocal_RoundTrip()
    {
        byte[] direct = Encode((ref SshWriter w) => new DirectStreamLocalOpenData { SocketPath = "/tmp/s", Reserved = "", ReservedNumber = 0 }.Write(ref w));
        Assert.Equal(Hex("00000006 2f746d702f73 00000000 00000000"), direct);
        var r1 = new SshReader(direct);
        Assert.Equal("/tmp/s", DirectStreamLocalOpenData.Read(ref r1).SocketPath);
        byte[] forwarded = Encode((ref SshWriter w) => new ForwardedStreamLocalOpenData { SocketPath = "/tmp/s", Reserved = "" }.Write(ref w));
        Assert.Equal(Hex("00000006 2f746d702f73 00000000"), forwarded);
        var r2 = new SshReader(forwarded);
        Assert.Equal("/tmp/s", ForwardedStreamLocalOpenData.Read(ref r2).SocketPath);
        byte[] listen = Encode((ref SshWriter w) => new StreamLocalForwardRequestData { SocketPath = "/tmp/s" }.Write(ref w));
        Assert.Equal("/tmp/s", StreamLocalForwardRequestData.Parse(listen).SocketPath);
    }

    [Fact]
    public void ChannelOpenConfirmation_ByteExact_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new ChannelOpenConfirmationMessage { RecipientChannel = 1, SenderChannel = 2, InitialWindowSize = 3, MaximumPacketSize = 4 }.Write(ref w));
        Assert.Equal(Hex("5b 00000001 00000002 00000003 00000004"), bytes);
        var reader = new SshReader(bytes);
        var m = ChannelOpenConfirmationMessage.Read(ref reader);
        Assert.Equal((1u, 2u, 3u, 4u), (m.RecipientChannel, m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize));
        Assert.True(m.TypeSpecificData.IsEmpty);
    }

    [Fact]
    public void ChannelOpenFailure_ByteExact_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new ChannelOpenFailureMessage { RecipientChannel = 7, ReasonCode = ChannelOpenFailureReason.ConnectFailed, Description = "Connection refused", LanguageTag = "" }.Write(ref w));
        Assert.Equal(Hex("5c 00000007 00000002 00000012 436f6e6e656374696f6e2072656675736564 00000000"), bytes);
        var reader = new SshReader(bytes);
        var m = ChannelOpenFailureMessage.Read(ref reader);
        Assert.Equal((7u, ChannelOpenFailureReason.ConnectFailed, "Connection refused", ""), (m.RecipientChannel, m.ReasonCode, m.Description, m.LanguageTag));
        Assert.Throws<SshProtocolException>(() => { var r = new SshReader(bytes.AsSpan(0, 12)); ChannelOpenFailureMessage.Read(ref r); });
    }

    [Fact]
    public void WindowAdjust_EofClose_SuccessFailure_ByteExact()
    {
        Assert.Equal(Hex("5d 00000001 00010000"), Encode((ref SshWriter w) => new ChannelWindowAdjustMessage { RecipientChannel = 1, BytesToAdd = 0x10000 }.Write(ref w)));
        Assert.Equal(Hex("60 00000009"), Encode((ref SshWriter w) => new ChannelEofMessage { RecipientChannel = 9 }.Write(ref w)));
        Assert.Equal(Hex("61 00000009"), Encode((ref SshWriter w) => new ChannelCloseMessage { RecipientChannel = 9 }.Write(ref w)));
        Assert.Equal(Hex("63 00000009"), Encode((ref SshWriter w) => new ChannelSuccessMessage { RecipientChannel = 9 }.Write(ref w)));
        Assert.Equal(Hex("64 00000009"), Encode((ref SshWriter w) => new ChannelFailureMessage { RecipientChannel = 9 }.Write(ref w)));

        var r1 = new SshReader(Hex("5d 00000001 00010000"));
        var adjust = ChannelWindowAdjustMessage.Read(ref r1);
        Assert.Equal((1u, 0x10000u), (adjust.RecipientChannel, adjust.BytesToAdd));
        var r2 = new SshReader(Hex("61 00000009"));
        Assert.Equal(9u, ChannelCloseMessage.Read(ref r2).RecipientChannel);
        var r3 = new SshReader(Hex("60 00000009"));
        Assert.Equal(9u, ChannelEofMessage.Read(ref r3).RecipientChannel);
        var r4 = new SshReader(Hex("63 00000009"));
        Assert.Equal(9u, ChannelSuccessMessage.Read(ref r4).RecipientChannel);
        var r5 = new SshReader(Hex("64 00000009"));
        Assert.Equal(9u, ChannelFailureMessage.Read(ref r5).RecipientChannel);
    }

    [Theory]
    [InlineData("5d 00000001 000100")]       // truncated
    [InlineData("5d 00000001 00010000 00")]  // trailing
    [InlineData("60 000000")]
    [InlineData("61 00000001 ff")]
    [InlineData("5e 00000001")]              // wrong message number
    public void FixedMessages_Malformed_ThrowProtocolException(string hex)
    {
        byte[] bytes = Hex(hex);
        Assert.Throws<SshProtocolException>(() =>
        {
            var r = new SshReader(bytes);
            switch (bytes[0])
            {
                case 0x5d: ChannelWindowAdjustMessage.Read(ref r); break;
                case 0x60: ChannelEofMessage.Read(ref r); break;
                case 0x61: ChannelCloseMessage.Read(ref r); break;
                default: ChannelEofMessage.Read(ref r); break;
            }
        });
    }

    [Fact]
    public void ChannelData_Header_ByteExact_AndSlices()
    {
        using Packet packet = ChannelDataHeader.CreateDataPacket(5, "hi"u8);
        Assert.Equal(Hex("5e 00000005 00000002 6869"), packet.Payload.ToArray());
        uint recipient = ChannelDataHeader.ReadData(packet.Payload, out ReadOnlySpan<byte> data);
        Assert.Equal(5u, recipient);
        Assert.Equal("hi"u8.ToArray(), data.ToArray());

        using Packet ext = ChannelDataHeader.CreateExtendedDataPacket(5, 1, "e"u8);
        Assert.Equal(Hex("5f 00000005 00000001 00000001 65"), ext.Payload.ToArray());
        Assert.Equal(5u, ChannelDataHeader.ReadExtendedData(ext.Payload, out uint code, out ReadOnlySpan<byte> edata));
        Assert.Equal(1u, code);
        Assert.Equal("e"u8.ToArray(), edata.ToArray());
    }

    [Theory]
    [InlineData("5e 00000005 000000")]
    [InlineData("5e 00000005 00000003 6869")]
    [InlineData("5e 00000005 00000001 6869")]
    [InlineData("5e 00000005 ffffffff 6869")]
    public void ChannelData_Malformed_ThrowsProtocolException(string hex)
    {
        byte[] bytes = Hex(hex);
        Assert.Throws<SshProtocolException>(() => ChannelDataHeader.ReadData(bytes, out _));
    }

    [Theory]
    [InlineData("5f 00000005 00000001 000000")]
    [InlineData("5f 00000005 00000001 00000005 6869")]
    public void ChannelExtendedData_Malformed_ThrowsProtocolException(string hex)
    {
        byte[] bytes = Hex(hex);
        Assert.Throws<SshProtocolException>(() => ChannelDataHeader.ReadExtendedData(bytes, out _, out _));
    }

    [Fact]
    public void ChannelRequest_Exec_ByteExact_RoundTrip()
    {
        byte[] exec = Encode((ref SshWriter w) => new ExecRequestData { Command = "ls" }.Write(ref w));
        byte[] bytes = Encode((ref SshWriter w) => new ChannelRequestMessage { RecipientChannel = 0, RequestType = "exec", WantReply = true, RequestSpecificData = exec }.Write(ref w));
        Assert.Equal(Hex("62 00000000 00000004 65786563 01 00000002 6c73"), bytes);
        var reader = new SshReader(bytes);
        var m = ChannelRequestMessage.Read(ref reader);
        Assert.Equal((0u, "exec", true), (m.RecipientChannel, m.RequestType, m.WantReply));
        Assert.Equal("ls", ExecRequestData.Parse(m.RequestSpecificData).Command);
    }

    [Fact]
    public void ExitStatus_ExitSignal_RoundTrip()
    {
        byte[] status = Encode((ref SshWriter w) => new ExitStatusRequestData { ExitStatus = 255 }.Write(ref w));
        Assert.Equal(Hex("000000ff"), status);
        Assert.Equal(255u, ExitStatusRequestData.Parse(status).ExitStatus);
        Assert.Throws<SshProtocolException>(() => ExitStatusRequestData.Parse(Hex("0000ff")));

        byte[] signal = Encode((ref SshWriter w) => new ExitSignalRequestData { SignalName = "TERM", CoreDumped = false, ErrorMessage = "x", LanguageTag = "" }.Write(ref w));
        Assert.Equal(Hex("00000004 5445524d 00 00000001 78 00000000"), signal);
        var parsed = ExitSignalRequestData.Parse(signal);
        Assert.Equal(("TERM", false, "x"), (parsed.SignalName, parsed.CoreDumped, parsed.ErrorMessage));
    }

    [Fact]
    public void ChannelRequest_NonAsciiType_Rejected()
    {
        byte[] bytes = Hex("62 00000000 00000002 c3a9 00");
        Assert.Throws<SshProtocolException>(() => { var r = new SshReader(bytes); ChannelRequestMessage.Read(ref r); });
    }

    [Fact]
    public void RandomRoundTrips_OpenAndConfirmation()
    {
        var random = new Random(1234);
        for (int i = 0; i < 50; i++)
        {
            uint a = (uint)random.NextInt64(0, uint.MaxValue), b = (uint)random.NextInt64(0, uint.MaxValue), c = (uint)random.NextInt64(0, uint.MaxValue);
            byte[] tail = new byte[random.Next(0, 20)];
            random.NextBytes(tail);
            byte[] bytes = Encode((ref SshWriter w) => new ChannelOpenMessage { ChannelType = "x-" + i, SenderChannel = a, InitialWindowSize = b, MaximumPacketSize = c, TypeSpecificData = tail }.Write(ref w));
            var reader = new SshReader(bytes);
            var m = ChannelOpenMessage.Read(ref reader);
            Assert.Equal(("x-" + i, a, b, c), (m.ChannelType, m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize));
            Assert.Equal(tail, m.TypeSpecificData.ToArray());
            byte[] again = Encode((ref SshWriter w) => new ChannelOpenMessage { ChannelType = "x-" + i, SenderChannel = a, InitialWindowSize = b, MaximumPacketSize = c, TypeSpecificData = tail }.Write(ref w));
            Assert.Equal(bytes, again);
        }
    }
}
