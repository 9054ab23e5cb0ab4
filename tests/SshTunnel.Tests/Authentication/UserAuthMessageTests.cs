using SshTunnel.Errors;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.UserAuth;

namespace SshTunnel.Tests.Authentication;

public class UserAuthMessageTests
{
    private delegate void WriteAction(ref SshWriter writer);

    private static byte[] Encode(WriteAction write)
    {
        var writer = new SshWriter(64);
        write(ref writer);
        return writer.ToArray();
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void ServiceRequest_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new ServiceRequestMessage("ssh-userauth").Write(ref w));
        Assert.Equal(Hex("05 0000000c 7373682d7573657261757468"), bytes);
        var reader = new SshReader(bytes);
        Assert.Equal("ssh-userauth", ServiceRequestMessage.Read(ref reader).ServiceName);
    }

    [Fact]
    public void ServiceAccept_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new ServiceAcceptMessage("ssh-userauth").Write(ref w));
        Assert.Equal(6, bytes[0]);
        var reader = new SshReader(bytes);
        Assert.Equal("ssh-userauth", ServiceAcceptMessage.Read(ref reader).ServiceName);
    }

    [Fact]
    public void NoneRequest_ByteExact()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.None("bob", "ssh-connection").Write(ref w));
        Assert.Equal(Hex("32 00000003 626f62 0000000e 7373682d636f6e6e656374696f6e 00000004 6e6f6e65"), bytes);
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.Equal(("bob", "ssh-connection", "none"), (m.UserName, m.ServiceName, m.MethodName));
    }

    [Fact]
    public void PublicKeyQuery_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.PublicKeyQuery("u", "ssh-connection", "ssh-ed25519", [1, 2]).Write(ref w));
        Assert.Equal(Hex("32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000009 7075626c69636b6579 00 0000000b 7373682d65643235353139 00000002 0102"), bytes);
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.False(m.HasSignature);
        Assert.Equal("ssh-ed25519", m.PublicKeyAlgorithm);
        Assert.Equal([1, 2], m.PublicKeyBlob);
        Assert.Null(m.Signature);
    }

    [Fact]
    public void PublicKeySigned_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.PublicKeySigned("u", "ssh-connection", "rsa-sha2-512", [9], [7, 7, 7]).Write(ref w));
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.True(m.HasSignature);
        Assert.Equal("rsa-sha2-512", m.PublicKeyAlgorithm);
        Assert.Equal([9], m.PublicKeyBlob);
        Assert.Equal([7, 7, 7], m.Signature);
    }

    [Fact]
    public void Password_And_Change_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.PasswordRequest("ü", "ssh-connection", "pässword").Write(ref w));
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.Equal(("ü", "password", false, "pässword"), (m.UserName, m.MethodName, m.ChangePassword, m.Password));
        Assert.Null(m.NewPassword);

        bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.PasswordChangeRequest("u", "ssh-connection", "old", "new").Write(ref w));
        reader = new SshReader(bytes);
        m = UserAuthRequestMessage.Read(ref reader);
        Assert.Equal((true, "old", "new"), (m.ChangePassword, m.Password, m.NewPassword));
    }

    [Fact]
    public void KeyboardInteractive_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.KeyboardInteractive("u", "ssh-connection").Write(ref w));
        Assert.Equal(Hex("32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000014 6b6579626f6172642d696e746572616374697665 00000000 00000000"), bytes);
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.Equal(("keyboard-interactive", "", ""), (m.MethodName, m.LanguageTag, m.Submethods));
    }

    [Fact]
    public void UnknownMethod_KeepsDataOpaque()
    {
        byte[] bytes = Encode((ref SshWriter w) => UserAuthRequestMessage.Other("u", "ssh-connection", "hostbased", [1, 2, 3]).Write(ref w));
        var reader = new SshReader(bytes);
        UserAuthRequestMessage m = UserAuthRequestMessage.Read(ref reader);
        Assert.Equal("hostbased", m.MethodName);
        Assert.Equal([1, 2, 3], m.MethodSpecificData);
    }

    [Fact]
    public void Failure_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new UserAuthFailureMessage(["publickey", "password"], true).Write(ref w));
        Assert.Equal(Hex("33 00000012 7075626c69636b65792c70617373776f7264 01"), bytes);
        var reader = new SshReader(bytes);
        UserAuthFailureMessage m = UserAuthFailureMessage.Read(ref reader);
        Assert.Equal(["publickey", "password"], m.AuthenticationsThatCanContinue);
        Assert.True(m.PartialSuccess);
    }

    [Fact]
    public void Success_Banner_PkOk_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => default(UserAuthSuccessMessage).Write(ref w));
        Assert.Equal([52], bytes);
        var reader = new SshReader(bytes);
        UserAuthSuccessMessage.Read(ref reader);

        bytes = Encode((ref SshWriter w) => new UserAuthBannerMessage("Welcome ☃\n", "en").Write(ref w));
        reader = new SshReader(bytes);
        UserAuthBannerMessage banner = UserAuthBannerMessage.Read(ref reader);
        Assert.Equal(("Welcome ☃\n", "en"), (banner.Message, banner.LanguageTag));

        bytes = Encode((ref SshWriter w) => new UserAuthPkOkMessage("ecdsa-sha2-nistp256", [5, 6]).Write(ref w));
        Assert.Equal(60, bytes[0]);
        reader = new SshReader(bytes);
        UserAuthPkOkMessage pkOk = UserAuthPkOkMessage.Read(ref reader);
        Assert.Equal("ecdsa-sha2-nistp256", pkOk.PublicKeyAlgorithm);
        Assert.Equal([5, 6], pkOk.PublicKeyBlob);
    }

    [Fact]
    public void InfoRequest_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new UserAuthInfoRequestMessage("N", "I", [("P: ", false), ("Q", true)]).Write(ref w));
        Assert.Equal(Hex("3c 00000001 4e 00000001 49 00000000 00000002 00000003 503a20 00 00000001 51 01"), bytes);
        var reader = new SshReader(bytes);
        UserAuthInfoRequestMessage m = UserAuthInfoRequestMessage.Read(ref reader);
        Assert.Equal(("N", "I", ""), (m.Name, m.Instruction, m.LanguageTag));
        Assert.Equal([("P: ", false), ("Q", true)], m.Prompts);
    }

    [Fact]
    public void InfoResponse_ByteExact_And_RoundTrip()
    {
        byte[] bytes = Encode((ref SshWriter w) => new UserAuthInfoResponseMessage(["a", ""]).Write(ref w));
        Assert.Equal(Hex("3d 00000002 00000001 61 00000000"), bytes);
        var reader = new SshReader(bytes);
        Assert.Equal(["a", ""], UserAuthInfoResponseMessage.Read(ref reader).Responses);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        // kind, hex payload
        { "service-request", "" },
        { "service-request", "06 00000001 61" },            // wrong number
        { "service-request", "05 00000005 61" },            // truncated string
        { "service-request", "05 00000001 61 00" },         // trailing byte
        { "service-request", "05 00000001 07" },            // control char in name
        { "service-accept", "06 ffffffff" },
        { "request", "32" },
        { "request", "32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000009 7075626c69636b6579 00 00000001 61" }, // blob missing
        { "request", "32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000009 7075626c69636b6579 01 00000001 61 00000000" }, // signature missing
        { "request", "32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000004 6e6f6e65 00" }, // trailing after none
        { "request", "32 00000001 ff 0000000e 7373682d636f6e6e656374696f6e 00000004 6e6f6e65" }, // invalid UTF-8 user
        { "request", "32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000008 70617373776f7264 01 00000000" }, // new password missing
        { "request", "32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000014 6b6579626f6172642d696e746572616374697665 00000000" }, // submethods missing
        { "failure", "33 00000000" },                      // boolean missing
        { "failure", "33 00000003 612c2c 00" },            // empty name
        { "failure", "33 00000001 61 00 00" },             // trailing
        { "success", "34 00" },
        { "banner", "35 00000001 ff 00000000" },           // invalid UTF-8
        { "banner", "35 00000001 61" },                    // language missing
        { "pk-ok", "3c 00000001 61" },
        { "info-request", "3c 00000000 00000000 00000000 00000065" },            // 101 prompts
        { "info-request", "3c 00000000 00000000 00000000 00000002 00000001 61 00" }, // second prompt missing
        { "info-request", "3c 00000000 00000000 00000000 00000001 00000001 61" },    // echo missing
        { "info-request", "3c 00000000 00000000 00000000 ffffffff" },
        { "info-response", "3d 00000002 00000000" },
        { "info-response", "3d ffffffff" },
        { "info-response", "3d 00000001 00000001 ff" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_Throws_SshProtocolException(string kind, string hex)
    {
        byte[] bytes = Hex(hex);
        Assert.Throws<SshProtocolException>(() =>
        {
            var reader = new SshReader(bytes);
            switch (kind)
            {
                case "service-request": ServiceRequestMessage.Read(ref reader); break;
                case "service-accept": ServiceAcceptMessage.Read(ref reader); break;
                case "request": UserAuthRequestMessage.Read(ref reader); break;
                case "failure": UserAuthFailureMessage.Read(ref reader); break;
                case "success": UserAuthSuccessMessage.Read(ref reader); break;
                case "banner": UserAuthBannerMessage.Read(ref reader); break;
                case "pk-ok": UserAuthPkOkMessage.Read(ref reader); break;
                case "info-request": UserAuthInfoRequestMessage.Read(ref reader); break;
                case "info-response": UserAuthInfoResponseMessage.Read(ref reader); break;
                default: throw new ArgumentException(kind);
            }
        });
    }

    [Fact]
    public void EveryTruncationOfValidMessages_Throws_SshProtocolException()
    {
        byte[][] messages =
        [
            Encode((ref SshWriter w) => UserAuthRequestMessage.PublicKeySigned("user", "ssh-connection", "ssh-ed25519", [1, 2, 3], [4, 5]).Write(ref w)),
            Encode((ref SshWriter w) => UserAuthRequestMessage.PasswordChangeRequest("user", "ssh-connection", "a", "b").Write(ref w)),
            Encode((ref SshWriter w) => UserAuthRequestMessage.KeyboardInteractive("user", "ssh-connection", "pam").Write(ref w)),
            Encode((ref SshWriter w) => new UserAuthInfoRequestMessage("n", "i", [("p", false)]).Write(ref w)),
            Encode((ref SshWriter w) => new UserAuthInfoResponseMessage(["x"]).Write(ref w)),
            Encode((ref SshWriter w) => new UserAuthFailureMessage(["publickey"], false).Write(ref w)),
            Encode((ref SshWriter w) => new UserAuthBannerMessage("b").Write(ref w)),
            Encode((ref SshWriter w) => new UserAuthPkOkMessage("ssh-ed25519", [1]).Write(ref w)),
        ];
        for (int index = 0; index < messages.Length; index++)
        {
            byte[] message = messages[index];
            bool isInfoRequest = index == 3;
            for (int length = 0; length < message.Length; length++)
            {
                byte[] truncated = message[..length];
                Assert.Throws<SshProtocolException>(() =>
                {
                    var reader = new SshReader(truncated);
                    switch (message[0])
                    {
                        case 50: UserAuthRequestMessage.Read(ref reader); break;
                        case 51: UserAuthFailureMessage.Read(ref reader); break;
                        case 53: UserAuthBannerMessage.Read(ref reader); break;
                        case 60 when isInfoRequest: UserAuthInfoRequestMessage.Read(ref reader); break;
                        case 60: UserAuthPkOkMessage.Read(ref reader); break;
                        case 61: UserAuthInfoResponseMessage.Read(ref reader); break;
                    }
                });
            }
        }
    }
}
