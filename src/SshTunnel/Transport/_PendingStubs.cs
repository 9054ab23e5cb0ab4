// TEMPORARY: signatures of pieces being written on other branches; deleted when they merge.
using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Wire;

namespace SshTunnel.Transport.PacketProtection
{
    internal static class PacketCipherFactory
    {
        public static IReadOnlyList<string> SupportedCiphers => throw new NotImplementedException();
        public static IReadOnlyList<string> SupportedMacs => throw new NotImplementedException();
        public static bool IsAead(string cipher) => throw new NotImplementedException();
        public static int GetKeyLength(string cipher) => throw new NotImplementedException();
        public static int GetIvLength(string cipher) => throw new NotImplementedException();
        public static int GetMacKeyLength(string? mac) => throw new NotImplementedException();
        public static IPacketCipher Create(string cipher, string? mac, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> macKey, bool forEncryption) => throw new NotImplementedException();
    }
    internal sealed class ChaCha20Poly1305PacketCipher { public static bool IsNativeAvailable => false; }
    internal sealed class NoneCipher : IPacketCipher
    {
        public int PaddingAlignment => 8; public bool PaddingCoversLength => true; public int TagLength => 0;
        public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstFourBytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(firstFourBytes);
        public bool TryOpen(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
        public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }
        public void Dispose() { }
    }
}
namespace SshTunnel.Transport.Compression
{
    internal sealed class ZlibCompressor : IDisposable { public Packet Compress(ReadOnlySpan<byte> payload) => throw new NotImplementedException(); public void Dispose() { } }
    internal sealed class ZlibDecompressor : IDisposable { public Packet Decompress(ReadOnlySpan<byte> compressed) => throw new NotImplementedException(); public void Dispose() { } }
}
namespace SshTunnel.Transport.KeyExchange
{
    internal static class KeyAgreementFactory
    {
        public static IReadOnlyList<string> ClientAlgorithms => throw new NotImplementedException();
        public static IReadOnlyList<string> ServerAlgorithms => throw new NotImplementedException();
        public static bool IsGroupExchange(string kex) => throw new NotImplementedException();
        public static HashAlgorithmName GetHashAlgorithm(string kex) => throw new NotImplementedException();
        public static IKeyAgreement Create(string kex) => throw new NotImplementedException();
        public static IKeyAgreement CreateDiffieHellman(BigInteger p, BigInteger g) => throw new NotImplementedException();
        public static void ValidateGroup(BigInteger p, BigInteger g, int minBits, int maxBits) => throw new NotImplementedException();
    }
}
