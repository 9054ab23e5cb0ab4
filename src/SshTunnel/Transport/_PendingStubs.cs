// TEMPORARY: signatures of pieces being written on other branches; deleted when they merge.
using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Wire;

namespace SshTunnel.Transport.Compression
{
    internal sealed class ZlibCompressor : IDisposable { public Packet Compress(ReadOnlySpan<byte> payload) => throw new NotImplementedException(); public void Dispose() { } }
    internal sealed class ZlibDecompressor : IDisposable { public Packet Decompress(ReadOnlySpan<byte> compressed) => throw new NotImplementedException(); public void Dispose() { } }
}
