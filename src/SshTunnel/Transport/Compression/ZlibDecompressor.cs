using System.IO.Compression;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Transport.Compression;

/// <summary>
/// The receiving half of zlib@openssh.com (RFC 4253 §6.2): one inflate stream for the whole connection (not reset on rekey).
/// Each packet is inflated completely (the peer flushes after every packet) and its output is capped at
/// <see cref="SshProtocolLimits.MaxInflatedPayload"/> bytes against decompression bombs. OpenSSH never ends its zlib stream;
/// if a peer does, every later packet is rejected (bytes after the end inside the same packet cannot be seen through
/// <see cref="ZLibStream"/> and are dropped). After any exception the stream state is undefined: the connection must be
/// closed. One instance per connection; not thread-safe.
/// </summary>
internal sealed class ZlibDecompressor : IDisposable
{
    private const int InitialCapacity = 4096;

    private readonly ZlibFeedStream _input = new();
    private readonly ZLibStream _inflate;
    private readonly int _maxPayload;
    private bool _disposed;

    /// <summary>Creates the decompressor.</summary>
    /// <param name="maxPayload">Largest inflated payload accepted, in bytes (tests lower it).</param>
    public ZlibDecompressor(int maxPayload = SshProtocolLimits.MaxInflatedPayload)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPayload);
        _maxPayload = maxPayload;
        _inflate = new ZLibStream(_input, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Inflates what one packet carries and returns it as a new packet (the caller owns it).</summary>
    /// <exception cref="SshProtocolException">The data is corrupt, continues past the end of the zlib stream, or inflates to
    /// more than the limit (reason <see cref="DisconnectReason.CompressionError"/>).</exception>
    /// <exception cref="ObjectDisposedException">The decompressor was disposed.</exception>
    public Packet Decompress(ReadOnlySpan<byte> compressed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _input.SetInput(compressed);
        Packet result = Packet.Rent((int)Math.Min(_maxPayload + 1L, Math.Max(InitialCapacity, compressed.Length * 4L)));
        try
        {
            int length = 0;
            while (true)
            {
                Span<byte> free = result.Buffer.AsSpan(Packet.HeaderLength + length, result.Buffer.Length - Packet.HeaderLength - Packet.TrailerLength - length);
                if (free.IsEmpty)
                {
                    if (length > _maxPayload) throw TooLarge();
                    Grow(ref result, length);
                    continue;
                }

                int read = _inflate.Read(free);
                if (read == 0) break;
                length += read;
                if (length > _maxPayload) throw TooLarge();
            }

            if (_input.Remaining != 0)
            {
                throw new SshProtocolException("zlib data arrived after the end of the compressed stream.", DisconnectReason.CompressionError);
            }

            result.SetPayloadLength(length);
            return result.Move();
        }
        catch (InvalidDataException ex)
        {
            throw new SshProtocolException($"Corrupt zlib data: {ex.Message}", DisconnectReason.CompressionError);
        }
        finally
        {
            _input.ClearInput();
            result.Dispose();
        }
    }

    /// <summary>Releases the zlib stream.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _inflate.Dispose();
        _input.Dispose();
    }

    private void Grow(ref Packet packet, int length)
    {
        int capacity = packet.Buffer.Length - Packet.HeaderLength - Packet.TrailerLength;
        Packet larger = Packet.Rent(Math.Min(_maxPayload + 1, capacity * 2));
        packet.Buffer.AsSpan(Packet.HeaderLength, length).CopyTo(larger.Buffer.AsSpan(Packet.HeaderLength));
        packet.Dispose();
        packet = larger;
    }

    private SshProtocolException TooLarge()
        => new($"A compressed packet inflates to more than {_maxPayload} bytes.", DisconnectReason.CompressionError);
}
