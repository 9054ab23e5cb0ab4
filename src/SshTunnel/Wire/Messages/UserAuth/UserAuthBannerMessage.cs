namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4).
/// <code>
/// byte      SSH_MSG_USERAUTH_BANNER (53)
/// string    message in ISO-10646 UTF-8 encoding [RFC3629]
/// string    language tag [RFC3066]
/// </code>
/// </summary>
internal readonly struct UserAuthBannerMessage
{
    /// <summary>Creates the message.</summary>
    public UserAuthBannerMessage(string message, string languageTag = "")
    {
        Message = message;
        LanguageTag = languageTag;
    }

    /// <summary>The banner text (may contain control characters: sanitise before display).</summary>
    public string Message { get; }

    /// <summary>RFC 3066 language tag, usually empty.</summary>
    public string LanguageTag { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, invalid UTF-8, truncated or trailing data.</exception>
    public static UserAuthBannerMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthBanner);
        string message = reader.ReadUtf8String();
        string language = reader.ReadUtf8String();
        reader.ReadEnd();
        return new UserAuthBannerMessage(message, language);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthBanner);
        writer.WriteString(Message);
        writer.WriteString(LanguageTag);
    }
}
