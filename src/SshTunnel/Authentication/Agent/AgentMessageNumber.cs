namespace SshTunnel.Authentication.Agent;

/// <summary>Agent protocol message numbers used by the client (draft-miller-ssh-agent §6.1 / RFC 9987).</summary>
internal enum AgentMessageNumber : byte
{
    /// <summary>SSH_AGENT_FAILURE</summary>
    Failure = 5,
    /// <summary>SSH_AGENT_SUCCESS</summary>
    Success = 6,
    /// <summary>SSH_AGENTC_REQUEST_IDENTITIES</summary>
    RequestIdentities = 11,
    /// <summary>SSH_AGENT_IDENTITIES_ANSWER</summary>
    IdentitiesAnswer = 12,
    /// <summary>SSH_AGENTC_SIGN_REQUEST</summary>
    SignRequest = 13,
    /// <summary>SSH_AGENT_SIGN_RESPONSE</summary>
    SignResponse = 14,
}

/// <summary>Flags of SSH_AGENTC_SIGN_REQUEST (draft-miller-ssh-agent §6.6.1).</summary>
[Flags]
internal enum AgentSignatureFlags : uint
{
    /// <summary>No flag: the key type's default algorithm.</summary>
    None = 0,
    /// <summary>SSH_AGENT_RSA_SHA2_256: sign with rsa-sha2-256.</summary>
    RsaSha2256 = 2,
    /// <summary>SSH_AGENT_RSA_SHA2_512: sign with rsa-sha2-512.</summary>
    RsaSha2512 = 4,
}
