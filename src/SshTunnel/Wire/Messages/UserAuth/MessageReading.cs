using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>Small helpers shared by the user authentication message parsers.</summary>
internal static class MessageReading
{
    /// <summary>Reads the message number and throws unless it is <paramref name="expected"/>.</summary>
    /// <exception cref="SshProtocolException">Another message number, or an empty payload.</exception>
    public static void ExpectMessageNumber(ref SshReader reader, MessageNumber expected)
    {
        MessageNumber actual = reader.ReadMessageNumber();
        if (actual != expected) throw new SshProtocolException($"expected message {(byte)expected}, got {(byte)actual}");
    }
}
