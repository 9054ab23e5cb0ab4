using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Connection;

/// <summary>Checks the message number at the start of a payload.</summary>
internal static class MessageHeader
{
    /// <summary>Reads the message number byte and throws <see cref="SshProtocolException"/> unless it is <paramref name="expected"/>.</summary>
    public static void Expect(ref SshReader reader, MessageNumber expected)
    {
        MessageNumber actual = reader.ReadMessageNumber();
        if (actual != expected)
        {
            throw new SshProtocolException($"expected message {(byte)expected} ({expected}), got {(byte)actual}");
        }
    }
}
