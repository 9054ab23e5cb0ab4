using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Tests.Server;
using SshTunnel.Transport;
using SshTunnel.Wire;
using SshTunnel.Wire.Messages.Transport;

namespace SshTunnel.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of the server's pre-authentication transport (version line, binary packet framing, KEXINIT,
/// ECDH_INIT, anything before NEWKEYS): in memory, the handshake ends with an <see cref="SshException"/> and never
/// hangs; over loopback, a running <see cref="SshTunnel.Server.SshServer"/> closes each malformed client and still
/// authenticates a real one afterwards.
/// </summary>
public sealed class TransportFuzzTests
{
    private static readonly SshPrivateKey HostKey = Ed25519PrivateKey.Generate();

    /// <summary>What a client sends before NEWKEYS: version line, KEXINIT, KEX_ECDH_INIT (curve25519, no strict kex).</summary>
    private static byte[] ClientHandshake()
    {
        var writer = new SshWriter(512);
        new KexInitMessage
        {
            KexAlgorithms = [AlgorithmNames.Curve25519Sha256],
            ServerHostKeyAlgorithms = [AlgorithmNames.SshEd25519],
            EncryptionAlgorithmsClientToServer = [AlgorithmNames.Aes128Gcm],
            EncryptionAlgorithmsServerToClient = [AlgorithmNames.Aes128Gcm],
            MacAlgorithmsClientToServer = [AlgorithmNames.HmacSha2256Etm],
            MacAlgorithmsServerToClient = [AlgorithmNames.HmacSha2256Etm],
            CompressionAlgorithmsClientToServer = [AlgorithmNames.None],
            CompressionAlgorithmsServerToClient = [AlgorithmNames.None],
        }.Write(ref writer);
        byte[] kexInit = writer.ToArray();
        writer.Dispose();

        byte[] ecdhInit = new byte[1 + 4 + 32];
        ecdhInit[0] = (byte)MessageNumber.KexDhInit;
        BinaryPrimitives.WriteUInt32BigEndian(ecdhInit.AsSpan(1), 32);
        new Random(7).NextBytes(ecdhInit.AsSpan(5));
        return [.. Encoding.ASCII.GetBytes("SSH-2.0-Fuzz_1.0\r\n"), .. PlainPacket(kexInit), .. PlainPacket(ecdhInit)];
    }

    private static byte[] PlainPacket(byte[] payload)
    {
        int padding = 8 - ((5 + payload.Length) % 8);
        if (padding < 4) padding += 8;
        byte[] packet = new byte[5 + payload.Length + padding];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payload.Length + padding));
        packet[4] = (byte)padding;
        payload.CopyTo(packet, 5);
        return packet;
    }

    [Fact]
    public void ServerHandshake_MutatedClientBytes_EndsWithSshException()
    {
        byte[] handshake = ClientHandshake();
        var settings = new TransportSettings { IsServer = true, HostKeys = [HostKey] };
        int completed = 0;
        (_, int rejected) = FuzzRunner.Run(501, 1500, [handshake], (m, s) => m.Mutate(s), input =>
        {
            var (raw, server) = InMemoryDuplexStream.CreatePair();
            raw.Write(input);
            raw.Dispose(); // EOF after the input: a server waiting for more must notice
            Task<TransportConnection> establish = TransportConnection.EstablishAsync(server, settings);
            if (!((IAsyncResult)establish).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)))
            {
                Assert.Fail("server handshake did not end within 10 s after EOF");
            }
            if (establish.IsCompletedSuccessfully)
            {
                // Only possible if the mutation kept a complete handshake; the input never has NEWKEYS, so no.
                establish.Result.DisposeAsync().AsTask().GetAwaiter().GetResult();
                Interlocked.Increment(ref completed);
                return;
            }
            establish.GetAwaiter().GetResult();
        }, seedsMustParse: false, typeof(SshProtocolException), typeof(SshConnectionException));
        Assert.True(rejected > 0);
        Assert.Equal(0, completed);
    }

    [Fact]
    public async Task SshServer_MalformedPreAuthClients_AreClosed_AndARealClientStillConnects()
    {
        await using InProcessGateway gateway = await InProcessGateway.StartAsync(configure: o => InProcessGateway.With(o, maxStartups: new SshTunnel.Server.StartupLimits(1000, 100, 1000)));
        byte[] handshake = ClientHandshake();
        var mutator = new Mutator(502);
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (int i = 0; i < 150 && clock.Elapsed < FuzzRunner.Budget; i++, sent++)
        {
            byte[] input = mutator.Mutate(handshake);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(IPAddress.Loopback, gateway.Port);
            await client.SendAsync(input, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            byte[] buffer = new byte[4096];
            try
            {
                while (await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // reset by the server: closed too
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"server kept malformed client {i} open: {Convert.ToHexString(input)}");
            }
        }
        Assert.True(sent >= 20, $"only {sent} clients in the time budget");

        await using var real = await gateway.ConnectAsync().WaitAsync(InProcessGateway.Timeout);
        Assert.NotNull(real);
    }
}
