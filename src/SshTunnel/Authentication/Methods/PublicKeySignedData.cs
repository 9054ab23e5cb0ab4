using SshTunnel.Wire;
using SshTunnel.Wire.Messages.UserAuth;

namespace SshTunnel.Authentication.Methods;

/// <summary>
/// The data a publickey signature covers (RFC 4252 §7):
/// <code>
/// string    session identifier
/// byte      SSH_MSG_USERAUTH_REQUEST
/// string    user name
/// string    service name
/// string    "publickey"
/// boolean   TRUE
/// string    public key algorithm name
/// string    public key to be used for authentication
/// </code>
/// </summary>
internal static class PublicKeySignedData
{
    /// <summary>Builds the signed data. Client and server must call this with the same session id.</summary>
    public static byte[] Create(ReadOnlySpan<byte> sessionId, string userName, string serviceName, string publicKeyAlgorithm, ReadOnlySpan<byte> publicKeyBlob)
    {
        var writer = new SshWriter(sessionId.Length + publicKeyBlob.Length + 128);
        writer.WriteString(sessionId);
        writer.WriteMessageNumber(MessageNumber.UserAuthRequest);
        writer.WriteString(userName);
        writer.WriteString(serviceName);
        writer.WriteString(AuthenticationMethodNames.PublicKey);
        writer.WriteBoolean(true);
        writer.WriteString(publicKeyAlgorithm);
        writer.WriteString(publicKeyBlob);
        return writer.ToArray();
    }
}
