using SshTunnel.Errors;
using SshTunnel.Forwarding;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Connection;
using SshTunnel.Wire.Messages.Transport;
using SshTunnel.Wire.Messages.UserAuth;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of every SSH message parser a peer reaches (RFC 4253/4252/4254/4256/8308 and OpenSSH's
/// streamlocal): from valid encodings, 3000 mutations each; only <see cref="SshProtocolException"/> may come out.
/// </summary>
public sealed class WireMessageFuzzTests
{
    private const int Iterations = 3000;

    private delegate void Write(ref SshWriter writer);

    private static byte[] Build(Write write)
    {
        var writer = new SshWriter(256);
        write(ref writer);
        byte[] bytes = writer.ToArray();
        writer.Dispose();
        return bytes;
    }

    private static readonly Dictionary<string, (byte[][] Seeds, Action<byte[]> Parse)> Parsers = new()
    {
        ["KexInit"] = ([Build((ref SshWriter w) => new KexInitMessage
        {
            KexAlgorithms = [AlgorithmNames.Curve25519Sha256, AlgorithmNames.KexStrictClient, "ext-info-c"],
            ServerHostKeyAlgorithms = [AlgorithmNames.SshEd25519, AlgorithmNames.RsaSha2512],
            EncryptionAlgorithmsClientToServer = [AlgorithmNames.Aes128Gcm],
            EncryptionAlgorithmsServerToClient = [AlgorithmNames.Aes128Gcm],
            MacAlgorithmsClientToServer = [AlgorithmNames.HmacSha2256Etm],
            MacAlgorithmsServerToClient = [AlgorithmNames.HmacSha2256Etm],
            CompressionAlgorithmsClientToServer = [AlgorithmNames.None],
            CompressionAlgorithmsServerToClient = [AlgorithmNames.None],
        }.Write(ref w))], b => KexInitMessage.Read(b)),
        ["ExtInfo"] = ([Build((ref SshWriter w) => new ExtInfoMessage
        {
            Extensions = [new("server-sig-algs", "ssh-ed25519,rsa-sha2-512"u8.ToArray()), new("ping@openssh.com", "0"u8.ToArray())],
        }.Write(ref w))], b => ExtInfoMessage.Read(b)),
        ["Disconnect"] = ([Build((ref SshWriter w) => new DisconnectMessage(DisconnectReason.ByApplication, "bye").Write(ref w))], b => DisconnectMessage.Read(b)),
        ["UserAuthRequest"] = (
        [
            Build((ref SshWriter w) => UserAuthRequestMessage.PublicKeySigned("alice", "ssh-connection", "ssh-ed25519", new byte[51], new byte[83]).Write(ref w)),
            Build((ref SshWriter w) => UserAuthRequestMessage.PublicKeyQuery("alice", "ssh-connection", "ssh-ed25519", new byte[51]).Write(ref w)),
            Build((ref SshWriter w) => UserAuthRequestMessage.PasswordChangeRequest("bob", "ssh-connection", "old", "new").Write(ref w)),
            Build((ref SshWriter w) => UserAuthRequestMessage.KeyboardInteractive("carol", "ssh-connection").Write(ref w)),
            Build((ref SshWriter w) => UserAuthRequestMessage.None("dave", "ssh-connection").Write(ref w)),
        ], b => { var r = new SshReader(b); UserAuthRequestMessage.Read(ref r); }),
        ["UserAuthInfoRequest"] = ([Build((ref SshWriter w) => new UserAuthInfoRequestMessage("n", "i", [("Password: ", false), ("OTP: ", true)]).Write(ref w))],
            b => { var r = new SshReader(b); UserAuthInfoRequestMessage.Read(ref r); }),
        ["UserAuthInfoResponse"] = ([Build((ref SshWriter w) => new UserAuthInfoResponseMessage(["secret", "123456"]).Write(ref w))],
            b => { var r = new SshReader(b); UserAuthInfoResponseMessage.Read(ref r); }),
        ["UserAuthFailure"] = ([Build((ref SshWriter w) => new UserAuthFailureMessage(["publickey", "password"], false).Write(ref w))],
            b => { var r = new SshReader(b); UserAuthFailureMessage.Read(ref r); }),
        ["UserAuthPkOk"] = ([Build((ref SshWriter w) => new UserAuthPkOkMessage("ssh-ed25519", new byte[51]).Write(ref w))],
            b => { var r = new SshReader(b); UserAuthPkOkMessage.Read(ref r); }),
        ["UserAuthBanner"] = ([Build((ref SshWriter w) => new UserAuthBannerMessage("welcome\n", "").Write(ref w))],
            b => { var r = new SshReader(b); UserAuthBannerMessage.Read(ref r); }),
        ["ServiceRequest"] = ([Build((ref SshWriter w) => new ServiceRequestMessage("ssh-userauth").Write(ref w))],
            b => { var r = new SshReader(b); ServiceRequestMessage.Read(ref r); }),
        ["ChannelOpen+DirectTcpip"] = ([Build((ref SshWriter w) => new ChannelOpenMessage
        {
            ChannelType = "direct-tcpip", SenderChannel = 3, InitialWindowSize = 2097152, MaximumPacketSize = 32768,
            TypeSpecificData = new DirectTcpipOpenData { HostToConnect = "example.org", PortToConnect = 80, OriginatorAddress = "127.0.0.1", OriginatorPort = 5555 }.ToArray(),
        }.Write(ref w))], b =>
        {
            var r = new SshReader(b);
            ChannelOpenMessage open = ChannelOpenMessage.Read(ref r);
            DirectTcpipOpenData.Parse(open.TypeSpecificData);
        }),
        ["ChannelOpen+ForwardedTcpip"] = ([Build((ref SshWriter w) => new ChannelOpenMessage
        {
            ChannelType = "forwarded-tcpip", SenderChannel = 1, InitialWindowSize = 65536, MaximumPacketSize = 16384,
            TypeSpecificData = new ForwardedTcpipOpenData { ConnectedAddress = "0.0.0.0", ConnectedPort = 8080, OriginatorAddress = "::1", OriginatorPort = 1 }.ToArray(),
        }.Write(ref w))], b =>
        {
            var r = new SshReader(b);
            ChannelOpenMessage open = ChannelOpenMessage.Read(ref r);
            ForwardedTcpipOpenData.Parse(open.TypeSpecificData);
        }),
        ["DirectStreamLocalOpen"] = ([StreamLocalMessages.EncodeDirectOpen("/tmp/socket")], b => StreamLocalMessages.ParseDirectOpen(b)),
        ["ForwardedStreamLocalOpen"] = ([StreamLocalMessages.EncodeForwardedOpen("/run/x.sock")], b => StreamLocalMessages.ParseForwardedOpen(b)),
        ["ChannelOpenConfirmation"] = ([Build((ref SshWriter w) => new ChannelOpenConfirmationMessage
        {
            RecipientChannel = 1, SenderChannel = 2, InitialWindowSize = 1 << 21, MaximumPacketSize = 1 << 15,
        }.Write(ref w))], b => { var r = new SshReader(b); ChannelOpenConfirmationMessage.Read(ref r); }),
        ["ChannelOpenFailure"] = ([Build((ref SshWriter w) => new ChannelOpenFailureMessage
        {
            RecipientChannel = 1, ReasonCode = ChannelOpenFailureReason.ConnectFailed, Description = "connect failed: refused", LanguageTag = "",
        }.Write(ref w))], b => { var r = new SshReader(b); ChannelOpenFailureMessage.Read(ref r); }),
        ["ChannelData"] = ([ChannelDataPayload(false), ChannelDataPayload(true)], b =>
        {
            if (b.Length > 0 && b[0] == (byte)MessageNumber.ChannelExtendedData) ChannelDataHeader.ReadExtendedData(b, out _, out _);
            else ChannelDataHeader.ReadData(b, out _);
        }),
        ["ChannelRequest"] = (
        [
            Build((ref SshWriter w) => { w.WriteMessageNumber(MessageNumber.ChannelRequest); w.WriteUInt32(0); w.WriteString("exit-signal"); w.WriteBoolean(false);
                new ExitSignalRequestData { SignalName = "TERM", CoreDumped = false, ErrorMessage = "killed", LanguageTag = "" }.Write(ref w); }),
            Build((ref SshWriter w) => { w.WriteMessageNumber(MessageNumber.ChannelRequest); w.WriteUInt32(0); w.WriteString("exit-status"); w.WriteBoolean(false); w.WriteUInt32(3); }),
            Build((ref SshWriter w) => { w.WriteMessageNumber(MessageNumber.ChannelRequest); w.WriteUInt32(0); w.WriteString("exec"); w.WriteBoolean(true); w.WriteString("ls -l"); }),
        ], b =>
        {
            var r = new SshReader(b);
            ChannelRequestMessage request = ChannelRequestMessage.Read(ref r);
            switch (request.RequestType)
            {
                case "exit-signal": ExitSignalRequestData.Parse(request.RequestSpecificData); break;
                case "exit-status": ExitStatusRequestData.Parse(request.RequestSpecificData); break;
                default: ExecRequestData.Parse(request.RequestSpecificData); break;
            }
        }),
        ["GlobalRequest"] = (
        [
            Build((ref SshWriter w) => new GlobalRequestMessage { RequestName = "tcpip-forward", WantReply = true,
                RequestSpecificData = new TcpipForwardRequestData { AddressToBind = "localhost", PortToBind = 0 }.ToArray() }.Write(ref w)),
            Build((ref SshWriter w) => new GlobalRequestMessage { RequestName = "streamlocal-forward@openssh.com", WantReply = true,
                RequestSpecificData = StreamLocalMessages.EncodeForwardRequest("/tmp/s") }.Write(ref w)),
        ], b =>
        {
            var r = new SshReader(b);
            GlobalRequestMessage request = GlobalRequestMessage.Read(ref r);
            if (request.RequestName.StartsWith("tcpip", StringComparison.Ordinal)) TcpipForwardRequestData.Parse(request.RequestSpecificData);
            else StreamLocalForwardRequestData.Parse(request.RequestSpecificData);
        }),
        ["RequestSuccess+Port"] = ([Build((ref SshWriter w) => { w.WriteMessageNumber(MessageNumber.RequestSuccess); w.WriteUInt32(40000); })], b =>
        {
            var r = new SshReader(b);
            RequestSuccessMessage success = RequestSuccessMessage.Read(ref r);
            TcpipForwardResponseData.Parse(success.ResponseSpecificData);
        }),
        ["SmallConnectionMessages"] = (
        [
            Build((ref SshWriter w) => new ChannelWindowAdjustMessage { RecipientChannel = 7, BytesToAdd = 1 << 20 }.Write(ref w)),
            Build((ref SshWriter w) => new ChannelEofMessage { RecipientChannel = 7 }.Write(ref w)),
            Build((ref SshWriter w) => new ChannelCloseMessage { RecipientChannel = 7 }.Write(ref w)),
            Build((ref SshWriter w) => new ChannelSuccessMessage { RecipientChannel = 7 }.Write(ref w)),
            Build((ref SshWriter w) => new ChannelFailureMessage { RecipientChannel = 7 }.Write(ref w)),
            Build((ref SshWriter w) => new RequestFailureMessage().Write(ref w)),
        ], b =>
        {
            var r = new SshReader(b);
            switch (b.Length > 0 ? (MessageNumber)b[0] : 0)
            {
                case MessageNumber.ChannelWindowAdjust: ChannelWindowAdjustMessage.Read(ref r); break;
                case MessageNumber.ChannelEof: ChannelEofMessage.Read(ref r); break;
                case MessageNumber.ChannelClose: ChannelCloseMessage.Read(ref r); break;
                case MessageNumber.ChannelSuccess: ChannelSuccessMessage.Read(ref r); break;
                case MessageNumber.ChannelFailure: ChannelFailureMessage.Read(ref r); break;
                default: RequestFailureMessage.Read(ref r); break;
            }
        }),
    };

    public static TheoryData<string> ParserNames => new(Parsers.Keys);

    private static byte[] ChannelDataPayload(bool extended)
    {
        using Packet packet = extended
            ? ChannelDataHeader.CreateExtendedDataPacket(5, ChannelDataHeader.ExtendedDataStderr, "error text"u8)
            : ChannelDataHeader.CreateDataPacket(5, "hello, world"u8);
        return packet.Payload.ToArray();
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void MutatedMessage_OnlySshProtocolException(string parser)
    {
        (byte[][] seeds, Action<byte[]> parse) = Parsers[parser];
        (int accepted, int rejected) = FuzzRunner.Run(seed: parser.GetHashCode(StringComparison.Ordinal) & 0x7fff ^ 0x5eed, Iterations, seeds, parse, typeof(SshProtocolException));
        Assert.True(rejected > 0, $"{parser}: no mutation was rejected ({accepted} accepted)");
    }

    [Fact]
    public void SshReader_LengthFieldsNearUInt32Max_AreTruncationErrors()
    {
        // uint32 lengths that are negative as int, or overflow when added to the position.
        foreach (uint length in new uint[] { 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC })
        {
            byte[] data = [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 1, 2, 3];
            Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadStringBytes());
            Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadNameList());
            Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadMPInt());
            Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadBytes(unchecked((int)length)));
        }
    }
}
