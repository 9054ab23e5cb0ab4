using System.IO.Compression;
using SshTunnel.Wire;

namespace SshTunnel.Transport.Compression;

/// <summary>
/// The sending half of zlib@openssh.com (RFC 4253 §6.2, OpenSSH PROTOCOL §1.3, delayed until after USERAUTH_SUCCESS):
/// one zlib stream for the whole connection (not reset on rekey); each payload is deflated and ends in a sync flush
/// (<c>00 00 ff ff</c>), so the peer can inflate every packet on its own. One instance per connection; not thread-safe.
/// </summary>
internal sealed class ZlibCompressor : IDisposable
{
    private readonly MemoryStream _output = new();
    private readonly ZLibStream _deflate;
    private bool _disposed;

    /// <summary>Creates the compressor.</summary>
    /// <param name="level">Compression level; OpenSSH uses zlib's default (level 6, <see cref="CompressionLevel.Optimal"/>).</param>
    public ZlibCompressor(CompressionLevel level = CompressionLevel.Optimal)
        => _deflate = new ZLibStream(_output, level, leaveOpen: true);

    /// <summary>Deflates <paramref name="payload"/> and returns a new packet (the caller owns it) whose payload is the compressed bytes.</summary>
    /// <exception cref="ObjectDisposedException">The compressor was disposed.</exception>
    public Packet Compress(ReadOnlySpan<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.Position = 0;
        _output.SetLength(0);
        _deflate.Write(payload);
        _deflate.Flush(); // Z_SYNC_FLUSH
        return Packet.Copy(_output.GetBuffer().AsSpan(0, (int)_output.Length));
    }

    /// <summary>Releases the zlib stream.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _deflate.Dispose();
        _output.Dispose();
    }
}
