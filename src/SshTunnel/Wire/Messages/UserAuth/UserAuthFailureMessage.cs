namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1).
/// <code>
/// byte         SSH_MSG_USERAUTH_FAILURE (51)
/// name-list    authentications that can continue
/// boolean      partial success
/// </code>
/// </summary>
internal readonly struct UserAuthFailureMessage
{
    /// <summary>Creates the message.</summary>
    public UserAuthFailureMessage(IReadOnlyList<string> authenticationsThatCanContinue, bool partialSuccess)
    {
        AuthenticationsThatCanContinue = authenticationsThatCanContinue;
        PartialSuccess = partialSuccess;
    }

    /// <summary>Method names that may productively continue the dialog.</summary>
    public IReadOnlyList<string> AuthenticationsThatCanContinue { get; }

    /// <summary>True when the request succeeded but more methods are required.</summary>
    public bool PartialSuccess { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, malformed name-list, truncated or trailing data.</exception>
    public static UserAuthFailureMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthFailure);
        string[] methods = reader.ReadNameList();
        bool partial = reader.ReadBoolean();
        reader.ReadEnd();
        return new UserAuthFailureMessage(methods, partial);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthFailure);
        writer.WriteNameList(AuthenticationsThatCanContinue);
        writer.WriteBoolean(PartialSuccess);
    }
}
