namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_PK_OK (RFC 4252 §7), the answer to a publickey query without signature.
/// Shares number 60 with SSH_MSG_USERAUTH_INFO_REQUEST and SSH_MSG_USERAUTH_PASSWD_CHANGEREQ: the pending method decides.
/// <code>
/// byte      SSH_MSG_USERAUTH_PK_OK (60)
/// string    public key algorithm name from the request
/// string    public key blob from the request
/// </code>
/// </summary>
internal readonly struct UserAuthPkOkMessage
{
    /// <summary>Creates the message.</summary>
    public UserAuthPkOkMessage(string publicKeyAlgorithm, byte[] publicKeyBlob)
    {
        PublicKeyAlgorithm = publicKeyAlgorithm;
        PublicKeyBlob = publicKeyBlob;
    }

    /// <summary>The public key algorithm name echoed from the request.</summary>
    public string PublicKeyAlgorithm { get; }

    /// <summary>The public key blob echoed from the request.</summary>
    public byte[] PublicKeyBlob { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, truncated or trailing data.</exception>
    public static UserAuthPkOkMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthPkOk);
        string algorithm = reader.ReadAsciiString();
        byte[] blob = reader.ReadStringBytes().ToArray();
        reader.ReadEnd();
        return new UserAuthPkOkMessage(algorithm, blob);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthPkOk);
        writer.WriteString(PublicKeyAlgorithm);
        writer.WriteString(PublicKeyBlob);
    }
}
