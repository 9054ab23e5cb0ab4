using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Transport;

public class TransportConnectionTests
{
    private static Packet MakePacket(byte number, ReadOnlySpan<byte> body)
    {
        var writer = new SshWriter(body.Length + 1);
        writer.WriteByte(number);
        writer.WriteBytes(body);
        return writer.ToPacket();
    }

    private static async Task AssertExchangeAsync(TransportConnection a, TransportConnection b, int count = 20, int maxSize = 40000)
    {
        var random = new Random(42);
        for (int i = 0; i < count; i++)
        {
            byte[] body = new byte[random.Next(0, Math.Min(maxSize, 32000))];
            random.NextBytes(body);
            await a.SendAsync(MakePacket(200, body)).WithTimeout();
            using Packet received = await b.ReceiveAsync().WithTimeout();
            Assert.Equal((MessageNumber)200, received.MessageNumber);
            Assert.True(received.Payload[1..].SequenceEqual(body));
        }
    }

    public static TheoryData<string> Ciphers => new()
    {
        AlgorithmNames.Aes128Gcm, AlgorithmNames.Aes256Gcm, AlgorithmNames.ChaCha20Poly1305,
        AlgorithmNames.Aes128Ctr, AlgorithmNames.Aes192Ctr, AlgorithmNames.Aes256Ctr,
    };

    [Theory]
    [MemberData(nameof(Ciphers))]
    public async Task EveryCipherCarriesPacketsBothWays(string cipher)
    {
        foreach (string mac in new[] { AlgorithmNames.HmacSha2256Etm, AlgorithmNames.HmacSha2512Etm })
        {
            var client = new TransportSettings { Ciphers = [cipher], Macs = [mac], VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
            var (c, s) = await TransportPair.CreateAsync(client);
            await using (c)
            await using (s)
            {
                Assert.Equal(cipher, c.Algorithms!.CipherClientToServer);
                Assert.Equal(cipher, s.Algorithms!.CipherServerToClient);
                Assert.True(c.IsStrictKex);
                Assert.True(c.SessionId.Span.SequenceEqual(s.SessionId.Span));
                await AssertExchangeAsync(c, s);
                await AssertExchangeAsync(s, c);
            }
            if (AlgorithmNames.ChaCha20Poly1305 == cipher || cipher.Contains("gcm")) break; // MAC unused with AEAD
        }
    }

    public static TheoryData<string> ServerKexAlgorithms => new()
    {
        AlgorithmNames.Curve25519Sha256, AlgorithmNames.Curve25519Sha256LibSsh,
        AlgorithmNames.EcdhSha2Nistp256, AlgorithmNames.EcdhSha2Nistp384, AlgorithmNames.EcdhSha2Nistp521,
        AlgorithmNames.DiffieHellmanGroup14Sha256, AlgorithmNames.DiffieHellmanGroup16Sha512,
    };

    [Theory]
    [MemberData(nameof(ServerKexAlgorithms))]
    public async Task EveryKeyExchangeAgreesOnKeys(string kex)
    {
        var client = new TransportSettings { KexAlgorithms = [kex], VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
        var server = new TransportSettings { IsServer = true, KexAlgorithms = [kex], HostKeys = [Ed25519PrivateKey.Generate()] };
        var (c, s) = await TransportPair.CreateAsync(client, server);
        await using (c)
        await using (s)
        {
            Assert.Equal(kex, c.Algorithms!.KeyExchange);
            await AssertExchangeAsync(c, s, 3);
        }
    }

    public static TheoryData<string> HostKeyTypes => new() { "ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa" };

    [Theory]
    [MemberData(nameof(HostKeyTypes))]
    public async Task EveryHostKeyTypeIsVerified(string type)
    {
        SshPrivateKey key = type switch
        {
            "ed25519" => Ed25519PrivateKey.Generate(),
            "ecdsa256" => new EcdsaPrivateKey(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportParameters(true)),
            "ecdsa384" => new EcdsaPrivateKey(ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportParameters(true)),
            "ecdsa521" => new EcdsaPrivateKey(ECDsa.Create(ECCurve.NamedCurves.nistP521).ExportParameters(true)),
            _ => new RsaPrivateKey(RSA.Create(2048).ExportParameters(true)),
        };
        SshPublicKey? seen = null;
        var client = new TransportSettings { VerifyHostKeyAsync = (k, _) => { seen = k; return ValueTask.FromResult(true); } };
        var server = new TransportSettings { IsServer = true, HostKeys = [key] };
        var (c, s) = await TransportPair.CreateAsync(client, server);
        await using (c)
        await using (s)
        {
            Assert.Equal(key.PublicKey, seen);
            if (type == "rsa") Assert.Equal(AlgorithmNames.RsaSha2512, c.Algorithms!.HostKey);
        }
    }

    [Fact]
    public async Task RefusedHostKeyFailsWithHostKeyException()
    {
        var client = new TransportSettings { VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(false) };
        var ex = await Assert.ThrowsAsync<SshHostKeyException>(() => TransportPair.CreateAsync(client));
        Assert.Equal("Host key verification failed.", ex.Message);
    }

    [Fact]
    public async Task NoCommonCipherFailsClearly()
    {
        var client = new TransportSettings { Ciphers = [AlgorithmNames.Aes128Ctr], VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
        var server = new TransportSettings { IsServer = true, Ciphers = [AlgorithmNames.Aes256Gcm], HostKeys = [Ed25519PrivateKey.Generate()] };
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => TransportPair.CreateAsync(client, server));
        Assert.Contains("no matching cipher found", ex.Message);
    }

    [Fact]
    public async Task ServerSendsServerSigAlgsWithRsaSha2()
    {
        var (c, s) = await TransportPair.CreateAsync();
        await using (c)
        await using (s)
        {
            // EXT_INFO is the first packet after NEWKEYS; it is processed on the client's next receive.
            await s.SendAsync(MakePacket(200, [1])).WithTimeout();
            using Packet p = await c.ReceiveAsync().WithTimeout();
            Assert.Contains(AlgorithmNames.RsaSha2512, c.ServerSignatureAlgorithms);
            Assert.Contains(AlgorithmNames.RsaSha2256, c.ServerSignatureAlgorithms);
        }
    }

    [Fact]
    public async Task RekeyInTheMiddleOfTrafficLosesNothing()
    {
        var client = new TransportSettings { RekeyBytes = 256 * 1024, VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
        var (c, s) = await TransportPair.CreateAsync(client);
        await using (c)
        await using (s)
        {
            const int Count = 400;
            using var hashSent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var hashReceived = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            // Key exchange messages are processed by the reader, as the connection layer's receive loop does.
            var clientReader = Task.Run(async () =>
            {
                try { while (true) (await c.ReceiveAsync()).Dispose(); } catch (SshConnectionException) { }
            });
            var sender = Task.Run(async () =>
            {
                var random = new Random(7);
                for (int i = 0; i < Count; i++)
                {
                    byte[] body = new byte[random.Next(1, 8192)];
                    random.NextBytes(body);
                    hashSent.AppendData(body);
                    await c.SendAsync(MakePacket(200, body));
                    if (i == Count / 2) await s.RequestRekeyAsync(); // the other side starts one too
                }
            });
            for (int i = 0; i < Count; i++)
            {
                using Packet p = await s.ReceiveAsync().WithTimeout();
                hashReceived.AppendData(p.Payload[1..]);
            }
            await sender.WithTimeout();
            Assert.Equal(hashSent.GetHashAndReset(), hashReceived.GetHashAndReset());
            Assert.True(c.KeyExchangeCount >= 3, $"expected rekeys, got {c.KeyExchangeCount} key exchanges");
        }
    }

    [Fact]
    public async Task CompressionAfterAuthenticationRoundTrips()
    {
        var client = new TransportSettings { Compressions = [AlgorithmNames.ZlibOpenSsh, AlgorithmNames.None], VerifyHostKeyAsync = (_, _) => ValueTask.FromResult(true) };
        var (c, s) = await TransportPair.CreateAsync(client);
        await using (c)
        await using (s)
        {
            Assert.Equal(AlgorithmNames.ZlibOpenSsh, c.Algorithms!.CompressionClientToServer);
            await s.SendAsync(MakePacket((byte)MessageNumber.UserAuthSuccess, [])).WithTimeout();
            using (Packet success = await c.ReceiveAsync().WithTimeout()) Assert.Equal(MessageNumber.UserAuthSuccess, success.MessageNumber);
            await AssertExchangeAsync(c, s, 10);
            await AssertExchangeAsync(s, c, 10);
        }
    }
}
