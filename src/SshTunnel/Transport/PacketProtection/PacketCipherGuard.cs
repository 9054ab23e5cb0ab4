namespace SshTunnel.Transport.PacketProtection;

/// <summary>Argument checks shared by the <see cref="IPacketCipher"/> implementations (caller bugs, not wire errors).</summary>
internal static class PacketCipherGuard
{
    /// <summary>Bytes of the packet_length field in front of every packet.</summary>
    public const int LengthFieldSize = 4;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="firstFourBytes"/> holds at least the length field.</summary>
    public static void CheckLengthField(ReadOnlySpan<byte> firstFourBytes)
    {
        if (firstFourBytes.Length < LengthFieldSize)
        {
            ThrowArgument("The packet_length field needs 4 bytes.", nameof(firstFourBytes));
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the packet lacks a length field or the tag has the wrong size.</summary>
    public static void CheckPacketAndTag(ReadOnlySpan<byte> packet, int tagLength, int expectedTagLength)
    {
        if (packet.Length < LengthFieldSize)
        {
            ThrowArgument("A packet holds at least the 4-byte packet_length field.", nameof(packet));
        }

        if (tagLength != expectedTagLength)
        {
            ThrowArgument($"The tag must be exactly {expectedTagLength} bytes.", "tag");
        }
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when a one-direction cipher is used the wrong way.</summary>
    public static void CheckDirection(bool forEncryption, bool wantEncryption)
    {
        if (forEncryption != wantEncryption)
        {
            throw new InvalidOperationException(forEncryption
                ? "This packet cipher was created for sending; it cannot open packets."
                : "This packet cipher was created for receiving; it cannot seal packets.");
        }
    }

    private static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);
}
