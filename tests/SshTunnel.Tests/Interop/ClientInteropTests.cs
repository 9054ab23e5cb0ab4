using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SshTunnel.Authentication;
using SshTunnel.Client;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Keys.KeyFiles;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Interop;

/// <summary>
/// The library's <see cref="SshClient"/> in-process against a real OpenSSH sshd on 127.0.0.1: user key types,
/// bulk direct-tcpip data, half-close, many channels, refused forwards and rekeying under load.
/// </summary>
[Trait("Category", "Interop")]
[Collection("sshd-client")]
public class ClientInteropTests : IClassFixture<ClientInteropFixture>
{
    private const long BulkBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan BulkTimeout = TimeSpan.FromSeconds(60);

    private readonly ClientInteropFixture _fixture;

    public ClientInteropTests(ClientInteropFixture fixture) => _fixture = fixture;

    [OpenSshTheory]
    [InlineData("ed25519", "ssh-ed25519")]
    [InlineData("ecdsa256", "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa384", "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa521", "ecdsa-sha2-nistp521")]
    [InlineData("rsa2048", "ssh-rsa")] // sshd accepts only rsa-sha2-512 signatures for it (PubkeyAcceptedAlgorithms)
    public async Task EveryUserKeyTypeAuthenticates(string name, string keyType)
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        string path = _fixture.UserKeys[name];
        using SshPrivateKey key = PrivateKeyFile.Load(path);
        Assert.Equal(keyType, key.PublicKey.KeyType);
        SshClient client;
        try
        {
            client = await ClientInteropFixture.ConnectAsync(sshd, [new ClientIdentity(key, path)]);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{name} did not authenticate: {e.Message}\nsshd log:\n{sshd.Log}", e);
        }
        await using (client)
        {
            Assert.StartsWith("SSH-2.0-OpenSSH", client.ServerVersion);
            Assert.False(client.Closed.IsCancellationRequested);
        }
    }

    [OpenSshFact]
    public async Task EncryptedKeyIsDecryptedOnlyAfterTheServerAcceptsIt()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        string encrypted = _fixture.UserKeys["ed25519-encrypted"];
        string unauthorised = _fixture.UserKeys["unauthorised"];
        Assert.True(PrivateKeyFile.IsEncrypted(await File.ReadAllTextAsync(encrypted)));
        Assert.Throws<SshKeyFileException>(() => PrivateKeyFile.Load(encrypted));

        int unauthorisedLoads = 0, encryptedLoads = 0;
        ClientIdentity[] identities =
        [
            new(PrivateKeyFile.LoadPublicKey(unauthorised + ".pub"), _ =>
            {
                Interlocked.Increment(ref unauthorisedLoads);
                return ValueTask.FromResult<SshPrivateKey?>(PrivateKeyFile.Load(unauthorised));
            }, unauthorised),
            new(PrivateKeyFile.LoadPublicKey(encrypted + ".pub"), _ =>
            {
                Interlocked.Increment(ref encryptedLoads);
                return ValueTask.FromResult<SshPrivateKey?>(PrivateKeyFile.Load(encrypted, () => ClientInteropFixture.Passphrase));
            }, encrypted),
        ];
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd, identities);
        Assert.Equal(1, encryptedLoads);
        Assert.Equal(0, unauthorisedLoads); // sshd never sent PK_OK for it, so its private key was never needed
    }

    [OpenSshFact]
    public async Task SixtyFourMiBEachWayThroughDirectTcpip()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WithTimeout();
        using var timeout = new CancellationTokenSource(BulkTimeout);
        (byte[] sentHash, byte[] receivedHash, long received) = await EchoAsync(channel, BulkBytes, seed: 1, midway: null, timeout.Token).WithTimeout(BulkTimeout);
        Assert.Equal(BulkBytes, received);
        Assert.Equal(Convert.ToHexString(sentHash), Convert.ToHexString(receivedHash));
        Assert.Empty(echo.Errors);
    }

    [OpenSshFact]
    public async Task ClientHalfCloseReachesTargetWhichCanStillReply()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        // The target answers only after it has read the client's EOF: the answer proves both the EOF and the half-open direction.
        await using var target = new LoopbackServer(async (socket, ct) =>
        {
            byte[] request = await LoopbackServer.ReadToEndAsync(socket, ct);
            string answer = $"got {request.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(request))}";
            await LoopbackServer.SendAllAsync(socket, Encoding.ASCII.GetBytes(answer), ct);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", target.Port).WithTimeout();
        byte[] request = RandomNumberGenerator.GetBytes(100_000);
        await channel.WriteAsync(request).WithTimeout();
        await channel.CompleteWritesAsync().WithTimeout();
        string reply = Encoding.ASCII.GetString(await ReadToEndAsync(channel).WithTimeout());
        Assert.Equal($"got {request.Length} bytes, sha256 {Convert.ToHexString(SHA256.HashData(request))}", reply);
        Assert.Empty(target.Errors);
    }

    [OpenSshFact]
    public async Task TargetHalfCloseReachesClientWhichCanStillSend()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        byte[] greeting = RandomNumberGenerator.GetBytes(70_000);
        var targetReceived = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = new LoopbackServer(async (socket, ct) =>
        {
            await LoopbackServer.SendAllAsync(socket, greeting, ct);
            socket.Shutdown(SocketShutdown.Send);
            targetReceived.TrySetResult(await LoopbackServer.ReadToEndAsync(socket, ct));
        });
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", target.Port).WithTimeout();
        byte[] fromTarget = await ReadToEndAsync(channel).WithTimeout(); // ends with the target's EOF
        Assert.Equal(greeting, fromTarget);
        byte[] late = RandomNumberGenerator.GetBytes(50_000);
        await channel.WriteAsync(late).WithTimeout();
        await channel.CompleteWritesAsync().WithTimeout();
        Assert.Equal(late, await targetReceived.Task.WithTimeout());
        Assert.Empty(target.Errors);
    }

    [OpenSshFact]
    public async Task FiftyConcurrentDirectTcpipChannels()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        async Task RoundTripAsync(int i)
        {
            byte[] data = RandomNumberGenerator.GetBytes(16 * 1024 + i * 512);
            await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port);
            Task<byte[]> reading = ReadToEndAsync(channel);
            await channel.WriteAsync(data);
            await channel.CompleteWritesAsync();
            Assert.Equal(data, await reading);
        }
        await Task.WhenAll(Enumerable.Range(0, 50).Select(RoundTripAsync)).WithTimeout();
        Assert.Equal(50, echo.Accepted);
        Assert.Empty(echo.Errors);
    }

    [OpenSshFact]
    public async Task ForwardToClosedPortIsRefusedAndTheConnectionStaysUsable()
    {
        OpenSshServer sshd = await _fixture.GetAsync();
        await using LoopbackServer echo = LoopbackServer.Echo();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd);
        int closedPort = OpenSshServer.GetFreePort();
        var e = await Assert.ThrowsAnyAsync<SshChannelOpenException>(() => client.OpenDirectTcpipAsync("127.0.0.1", closedPort).WithTimeout());
        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, e.Reason);
        Assert.Equal("Connection refused", e.Description);

        Assert.False(client.Closed.IsCancellationRequested);
        await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WithTimeout();
        byte[] data = RandomNumberGenerator.GetBytes(4096);
        await channel.WriteAsync(data).WithTimeout();
        await channel.CompleteWritesAsync().WithTimeout();
        Assert.Equal(data, await ReadToEndAsync(channel).WithTimeout());
    }

    [OpenSshFact]
    public async Task RekeysUnderLoadWithSshdRekeyLimit()
    {
        // sshd renegotiates every 16 MiB; the client also asks for one key exchange mid-transfer.
        await using OpenSshServer sshd = await OpenSshServer.StartAsync(["RekeyLimit 16M"]).WithTimeout();
        sshd.WriteKnownHosts();
        await using LoopbackServer echo = LoopbackServer.Echo();
        await using SshClient client = await ClientInteropFixture.ConnectAsync(sshd, o => o.Ciphers = [AlgorithmNames.ChaCha20Poly1305]);
        Assert.Equal(AlgorithmNames.ChaCha20Poly1305, client.Cipher);
        Assert.Equal(1, client.KeyExchangeCount);
        await using ChannelStream channel = await client.OpenDirectTcpipAsync("127.0.0.1", echo.Port).WithTimeout();
        using var timeout = new CancellationTokenSource(BulkTimeout);
        (byte[] sentHash, byte[] receivedHash, long received) = await EchoAsync(channel, BulkBytes, seed: 2, midway: () => client.RekeyAsync(timeout.Token), timeout.Token).WithTimeout(BulkTimeout);
        Assert.Equal(BulkBytes, received);
        Assert.Equal(Convert.ToHexString(sentHash), Convert.ToHexString(receivedHash));
        // 64 MiB each way with a 16 MiB limit: at least 3 rekeys started by sshd, plus ours.
        Assert.True(client.KeyExchangeCount >= 5, $"only {client.KeyExchangeCount} key exchanges\nsshd log:\n{sshd.Log}");
        Assert.Empty(echo.Errors);
    }

    /// <summary>
    /// Writes <paramref name="total"/> pseudo-random bytes (then EOF) while reading the echo concurrently; returns the
    /// SHA-256 of what was sent and of what came back, and the byte count received. <paramref name="midway"/> runs once
    /// after half the data was written.
    /// </summary>
    private static async Task<(byte[] Sent, byte[] Received, long Count)> EchoAsync(ChannelStream channel, long total, int seed, Func<Task>? midway, CancellationToken cancellationToken)
    {
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        async Task<long> ReadAsync()
        {
            byte[] buffer = new byte[64 * 1024];
            long count = 0;
            while (true)
            {
                int n = await channel.ReadAsync(buffer, cancellationToken);
                if (n == 0) return count;
                receivedHash.AppendData(buffer, 0, n);
                count += n;
            }
        }
        async Task WriteAsync()
        {
            var random = new Random(seed);
            byte[] buffer = new byte[64 * 1024];
            Task? midwayTask = null;
            for (long sent = 0; sent < total; sent += buffer.Length)
            {
                random.NextBytes(buffer);
                sentHash.AppendData(buffer);
                await channel.WriteAsync(buffer, cancellationToken);
                if (midway is not null && midwayTask is null && sent >= total / 2) midwayTask = midway();
            }
            await channel.CompleteWritesAsync(cancellationToken);
            if (midwayTask is not null) await midwayTask;
        }
        Task<long> reading = Task.Run(ReadAsync, cancellationToken);
        await Task.Run(WriteAsync, cancellationToken);
        long received = await reading;
        return (sentHash.GetHashAndReset(), receivedHash.GetHashAndReset(), received);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var data = new MemoryStream();
        await stream.CopyToAsync(data);
        return data.ToArray();
    }
}
