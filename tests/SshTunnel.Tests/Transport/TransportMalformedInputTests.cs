using System.Buffers.Binary;
using System.Text;
using SshTunnel.Errors;
using SshTunnel.Keys;
using SshTunnel.Tests.Infrastructure;
using SshTunnel.Transport;
using SshTunnel.Wire;

namespace SshTunnel.Tests.Transport;

public class TransportMalformedInputTests
{
    private static TransportSettings ServerSettings() => new() { IsServer = true, HostKeys = [Ed25519PrivateKey.Generate()] };

    /// <summary>Starts a server on one end and returns the raw other end after reading the server's version line.</summary>
    private static async Task<(Task<TransportConnection> Server, InMemoryDuplexStream Raw)> StartServerAsync()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        Task<TransportConnection> server = TransportConnection.EstablishAsync(b, ServerSettings());
        await a.WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-Evil\r\n"));
        return (server, a);
    }

    [Fact]
    public async Task OversizedPacketLengthIsRefusedBeforeAllocating()
    {
        var (server, raw) = await StartServerAsync();
        byte[] header = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x7fffff00);
        await raw.WriteAsync(header);
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => server.WithTimeout());
        Assert.StartsWith("Bad packet length", ex.Message);
    }

    [Fact]
    public async Task TruncatedStreamEndsWithConnectionException()
    {
        var (server, raw) = await StartServerAsync();
        byte[] header = new byte[6];
        BinaryPrimitives.WriteUInt32BigEndian(header, 60);
        await raw.WriteAsync(header);
        raw.Dispose();
        await Assert.ThrowsAsync<SshConnectionException>(() => server.WithTimeout());
    }

    [Fact]
    public async Task WrongProtocolVersionIsRefused()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        Task<TransportConnection> server = TransportConnection.EstablishAsync(b, ServerSettings());
        await a.WriteAsync(Encoding.ASCII.GetBytes("SSH-1.5-Old\r\n"));
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => server.WithTimeout());
        Assert.Contains("Protocol major versions differ", ex.Message);
    }

    [Fact]
    public async Task OverlongVersionLineIsRefused()
    {
        var (a, b) = InMemoryDuplexStream.CreatePair();
        Task<TransportConnection> server = TransportConnection.EstablishAsync(b, ServerSettings());
        await a.WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-" + new string('x', 400) + "\r\n"));
        await Assert.ThrowsAsync<SshProtocolException>(() => server.WithTimeout());
    }

    [Fact]
    public async Task IgnoreBeforeKexInitBreaksStrictKex()
    {
        // Terrapin: with strict kex, anything but KEXINIT first is fatal. We send IGNORE then a KEXINIT offering kex-strict-c.
        var (server, raw) = await StartServerAsync();
        await raw.WriteAsync(PlainPacket([2, 0, 0, 0, 0]));
        await raw.WriteAsync(PlainPacket(ClientKexInit()));
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => server.WithTimeout());
        Assert.Contains("strict KEX", ex.Message);
    }

    [Fact]
    public async Task GarbageKexInitIsAProtocolError()
    {
        var (server, raw) = await StartServerAsync();
        await raw.WriteAsync(PlainPacket([20, 1, 2, 3]));
        await Assert.ThrowsAsync<SshProtocolException>(() => server.WithTimeout());
    }

    private static byte[] ClientKexInit()
    {
        var writer = new SshTunnel.Wire.SshWriter(512);
        new SshTunnel.Wire.Messages.Transport.KexInitMessage
        {
            KexAlgorithms = [AlgorithmNames.Curve25519Sha256, AlgorithmNames.KexStrictClient],
            ServerHostKeyAlgorithms = [AlgorithmNames.SshEd25519],
            EncryptionAlgorithmsClientToServer = [AlgorithmNames.Aes128Gcm],
            EncryptionAlgorithmsServerToClient = [AlgorithmNames.Aes128Gcm],
            MacAlgorithmsClientToServer = [AlgorithmNames.HmacSha2256Etm],
            MacAlgorithmsServerToClient = [AlgorithmNames.HmacSha2256Etm],
            CompressionAlgorithmsClientToServer = [AlgorithmNames.None],
            CompressionAlgorithmsServerToClient = [AlgorithmNames.None],
        }.Write(ref writer);
        return writer.ToArray();
    }

    /// <summary>Frames a payload as an unencrypted binary packet (RFC 4253 §6, block size 8).</summary>
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
}
