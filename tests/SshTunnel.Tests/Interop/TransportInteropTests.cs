using System.Net.Sockets;
using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Interop;

/// <summary>Our transport (client role) against a real OpenSSH sshd: every kex x host key x cipher.</summary>
[Trait("Category", "Interop")]
[Collection("sshd")]
public class TransportInteropTests : IClassFixture<SharedOpenSshServer>
{
    private readonly SharedOpenSshServer _sshd;

    public TransportInteropTests(SharedOpenSshServer sshd) => _sshd = sshd;

    public static TheoryData<string, string> KexAndHostKeys()
    {
        var data = new TheoryData<string, string>();
        string[] kexes =
        [
            AlgorithmNames.Curve25519Sha256, AlgorithmNames.Curve25519Sha256LibSsh, AlgorithmNames.EcdhSha2Nistp256,
            AlgorithmNames.EcdhSha2Nistp384, AlgorithmNames.EcdhSha2Nistp521, AlgorithmNames.DiffieHellmanGroup14Sha256,
            AlgorithmNames.DiffieHellmanGroup16Sha512, AlgorithmNames.DiffieHellmanGroup18Sha512, AlgorithmNames.DiffieHellmanGroupExchangeSha256,
        ];
        foreach (string kex in kexes)
        {
            foreach (string hostKey in HostKeyAlgorithms.All) data.Add(kex, hostKey);
        }
        return data;
    }

    [OpenSshTheory]
    [MemberData(nameof(KexAndHostKeys))]
    public async Task HandshakeWithEveryCipher(string kex, string hostKey)
    {
        foreach (string cipher in new[] { AlgorithmNames.Aes128Gcm, AlgorithmNames.Aes256Gcm, AlgorithmNames.ChaCha20Poly1305, AlgorithmNames.Aes128Ctr, AlgorithmNames.Aes192Ctr, AlgorithmNames.Aes256Ctr })
        {
            OpenSshServer sshd = await _sshd.GetAsync();
            SshPublicKey? seen = null;
            var settings = new TransportSettings
            {
                KexAlgorithms = [kex],
                HostKeyAlgorithms = [hostKey],
                Ciphers = [cipher],
                VerifyHostKeyAsync = (key, _) => { seen = key; return ValueTask.FromResult(true); },
            };
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync("127.0.0.1", sshd.Port);
            TransportConnection connection;
            try
            {
                connection = await TransportConnection.EstablishAsync(new NetworkStream(socket, ownsSocket: true), settings).WithTimeout();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{kex}/{hostKey}/{cipher} failed: {e.Message}\nsshd log:\n{sshd.Log}", e);
            }
            await using (connection)
            {
                Assert.Equal(kex, connection.Algorithms!.KeyExchange);
                Assert.Equal(cipher, connection.Algorithms.CipherClientToServer);
                Assert.True(connection.IsStrictKex);
                Assert.Equal(HostKeyAlgorithms.KeyTypeFor(hostKey), seen!.KeyType);
                Assert.StartsWith("SSH-2.0-OpenSSH", connection.RemoteVersion);
                // ssh-userauth service request proves both directions decrypt.
                var writer = new SshWriter(32);
                writer.WriteMessageNumber(MessageNumber.ServiceRequest);
                writer.WriteString("ssh-userauth");
                await connection.SendAsync(writer.ToPacket()).WithTimeout();
                using Packet reply = await connection.ReceiveAsync().WithTimeout();
                Assert.Equal(MessageNumber.ServiceAccept, reply.MessageNumber);
                Assert.Contains(AlgorithmNames.RsaSha2512, connection.ServerSignatureAlgorithms);
            }
        }
    }
}

/// <summary>One sshd shared by the tests of a class (started on first use).</summary>
public sealed class SharedOpenSshServer : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private OpenSshServer? _server;

    internal async Task<OpenSshServer> GetAsync()
    {
        await _lock.WaitAsync();
        try
        {
            return _server ??= await OpenSshServer.StartAsync();
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _lock.Dispose();
    }
}
