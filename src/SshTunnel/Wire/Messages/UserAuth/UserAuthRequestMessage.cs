namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5, §5.2, §7, §8; RFC 4256 §3.1).
/// <code>
/// byte      SSH_MSG_USERAUTH_REQUEST (50)
/// string    user name in ISO-10646 UTF-8 encoding [RFC3629]
/// string    service name in US-ASCII
/// string    method name in US-ASCII
/// ....      method specific fields:
///
/// "none":                  (nothing)
/// "publickey" (§7):        boolean   FALSE (query) / TRUE (signed)
///                          string    public key algorithm name
///                          string    public key blob
///                          string    signature            (only when TRUE)
/// "password" (§8):         boolean   FALSE / TRUE (password change)
///                          string    plaintext password in ISO-10646 UTF-8 encoding [RFC3629]
///                          string    plaintext new password (only when TRUE)
/// "keyboard-interactive":  string    language tag (as defined in [RFC-3066])
///  (RFC 4256 §3.1)         string    submethods (ISO-10646 UTF-8)
/// other methods:           kept opaque in <see cref="MethodSpecificData"/>
/// </code>
/// Which properties are set depends on <see cref="MethodName"/>; the others are null/false.
/// </summary>
internal readonly struct UserAuthRequestMessage
{
    private UserAuthRequestMessage(string userName, string serviceName, string methodName)
    {
        UserName = userName;
        ServiceName = serviceName;
        MethodName = methodName;
    }

    /// <summary>The user name (UTF-8 on the wire).</summary>
    public string UserName { get; }

    /// <summary>The service to start after authentication, normally "ssh-connection".</summary>
    public string ServiceName { get; }

    /// <summary>The authentication method name.</summary>
    public string MethodName { get; }

    /// <summary>publickey: true when the request carries a signature; false for a query.</summary>
    public bool HasSignature { get; private init; }

    /// <summary>publickey: the signature algorithm name (e.g. "rsa-sha2-512").</summary>
    public string? PublicKeyAlgorithm { get; private init; }

    /// <summary>publickey: the public key blob.</summary>
    public byte[]? PublicKeyBlob { get; private init; }

    /// <summary>publickey with signature: the signature blob (string algorithm, string signature).</summary>
    public byte[]? Signature { get; private init; }

    /// <summary>password: true for a password change request (RFC 4252 §8).</summary>
    public bool ChangePassword { get; private init; }

    /// <summary>password: the password. A secret: never log it.</summary>
    public string? Password { get; private init; }

    /// <summary>password change: the new password. A secret: never log it.</summary>
    public string? NewPassword { get; private init; }

    /// <summary>keyboard-interactive: the language tag (deprecated, usually empty).</summary>
    public string? LanguageTag { get; private init; }

    /// <summary>keyboard-interactive: the submethods hint, usually empty.</summary>
    public string? Submethods { get; private init; }

    /// <summary>Unknown methods: the method-specific bytes, unparsed.</summary>
    public byte[]? MethodSpecificData { get; private init; }

    /// <summary>A "none" request (RFC 4252 §5.2).</summary>
    public static UserAuthRequestMessage None(string userName, string serviceName) => new(userName, serviceName, AuthenticationMethodNames.None);

    /// <summary>A publickey query without signature (RFC 4252 §7), answered by PK_OK or FAILURE.</summary>
    public static UserAuthRequestMessage PublicKeyQuery(string userName, string serviceName, string publicKeyAlgorithm, byte[] publicKeyBlob)
        => new(userName, serviceName, AuthenticationMethodNames.PublicKey) { PublicKeyAlgorithm = publicKeyAlgorithm, PublicKeyBlob = publicKeyBlob };

    /// <summary>A signed publickey request (RFC 4252 §7).</summary>
    public static UserAuthRequestMessage PublicKeySigned(string userName, string serviceName, string publicKeyAlgorithm, byte[] publicKeyBlob, byte[] signature)
        => new(userName, serviceName, AuthenticationMethodNames.PublicKey)
        {
            HasSignature = true,
            PublicKeyAlgorithm = publicKeyAlgorithm,
            PublicKeyBlob = publicKeyBlob,
            Signature = signature,
        };

    /// <summary>A password request (RFC 4252 §8).</summary>
    public static UserAuthRequestMessage PasswordRequest(string userName, string serviceName, string password)
        => new(userName, serviceName, AuthenticationMethodNames.Password) { Password = password };

    /// <summary>A password change request (RFC 4252 §8).</summary>
    public static UserAuthRequestMessage PasswordChangeRequest(string userName, string serviceName, string password, string newPassword)
        => new(userName, serviceName, AuthenticationMethodNames.Password) { ChangePassword = true, Password = password, NewPassword = newPassword };

    /// <summary>A keyboard-interactive request (RFC 4256 §3.1).</summary>
    public static UserAuthRequestMessage KeyboardInteractive(string userName, string serviceName, string submethods = "", string languageTag = "")
        => new(userName, serviceName, AuthenticationMethodNames.KeyboardInteractive) { LanguageTag = languageTag, Submethods = submethods };

    /// <summary>A request for a method this library does not implement, with opaque method-specific data.</summary>
    public static UserAuthRequestMessage Other(string userName, string serviceName, string methodName, byte[] methodSpecificData)
        => new(userName, serviceName, methodName) { MethodSpecificData = methodSpecificData };

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="Errors.SshProtocolException">Wrong message number, invalid text, truncated or trailing data.</exception>
    public static UserAuthRequestMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthRequest);
        string user = reader.ReadUtf8String();
        string service = reader.ReadAsciiString();
        string method = reader.ReadAsciiString();
        UserAuthRequestMessage message;
        switch (method)
        {
            case AuthenticationMethodNames.None:
                message = None(user, service);
                break;
            case AuthenticationMethodNames.PublicKey:
            {
                bool hasSignature = reader.ReadBoolean();
                string algorithm = reader.ReadAsciiString();
                byte[] blob = reader.ReadStringBytes().ToArray();
                message = hasSignature
                    ? PublicKeySigned(user, service, algorithm, blob, reader.ReadStringBytes().ToArray())
                    : PublicKeyQuery(user, service, algorithm, blob);
                break;
            }
            case AuthenticationMethodNames.Password:
            {
                bool change = reader.ReadBoolean();
                string password = reader.ReadUtf8String();
                message = change
                    ? PasswordChangeRequest(user, service, password, reader.ReadUtf8String())
                    : PasswordRequest(user, service, password);
                break;
            }
            case AuthenticationMethodNames.KeyboardInteractive:
            {
                string language = reader.ReadUtf8String();
                string submethods = reader.ReadUtf8String();
                message = KeyboardInteractive(user, service, submethods, language);
                break;
            }
            default:
                return Other(user, service, method, reader.ReadBytes(reader.Remaining).ToArray());
        }
        reader.ReadEnd();
        return message;
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthRequest);
        writer.WriteString(UserName);
        writer.WriteString(ServiceName);
        writer.WriteString(MethodName);
        switch (MethodName)
        {
            case AuthenticationMethodNames.None:
                break;
            case AuthenticationMethodNames.PublicKey:
                writer.WriteBoolean(HasSignature);
                writer.WriteString(PublicKeyAlgorithm ?? "");
                writer.WriteString(PublicKeyBlob);
                if (HasSignature) writer.WriteString(Signature);
                break;
            case AuthenticationMethodNames.Password:
                writer.WriteBoolean(ChangePassword);
                writer.WriteString(Password ?? "");
                if (ChangePassword) writer.WriteString(NewPassword ?? "");
                break;
            case AuthenticationMethodNames.KeyboardInteractive:
                writer.WriteString(LanguageTag ?? "");
                writer.WriteString(Submethods ?? "");
                break;
            default:
                writer.WriteBytes(MethodSpecificData);
                break;
        }
    }
}
