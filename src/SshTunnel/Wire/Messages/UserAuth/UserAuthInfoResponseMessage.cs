using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4), the client's answers to an INFO_REQUEST.
/// <code>
/// byte      SSH_MSG_USERAUTH_INFO_RESPONSE (61)
/// int       num-responses
/// string    response[1] (ISO-10646 UTF-8)
/// ...
/// string    response[num-responses] (ISO-10646 UTF-8)
/// </code>
/// </summary>
internal readonly struct UserAuthInfoResponseMessage
{
    /// <summary>Creates the message.</summary>
    public UserAuthInfoResponseMessage(IReadOnlyList<string> responses) => Responses = responses;

    /// <summary>The answers, one per prompt, in order. They may be secrets: never log them.</summary>
    public IReadOnlyList<string> Responses { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="SshProtocolException">Wrong message number, more than <see cref="UserAuthInfoRequestMessage.MaxPrompts"/> responses, invalid UTF-8, truncated or trailing data.</exception>
    public static UserAuthInfoResponseMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthInfoResponse);
        uint count = reader.ReadUInt32();
        if (count > UserAuthInfoRequestMessage.MaxPrompts) throw new SshProtocolException($"keyboard-interactive response with {count} answers (at most {UserAuthInfoRequestMessage.MaxPrompts})");
        var responses = new string[count];
        for (int i = 0; i < responses.Length; i++) responses[i] = reader.ReadUtf8String();
        reader.ReadEnd();
        return new UserAuthInfoResponseMessage(responses);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthInfoResponse);
        writer.WriteUInt32((uint)Responses.Count);
        foreach (string response in Responses) writer.WriteString(response);
    }
}
