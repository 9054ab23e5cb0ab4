using SshTunnel.Keys;

namespace SshTunnel.Authentication.Agent;

/// <summary>A private key held by ssh-agent: signing is delegated to the agent over its socket.</summary>
internal sealed class AgentKey : SshPrivateKey
{
    private readonly SshAgentClient _agent;

    /// <summary>Creates the key for an identity the agent listed.</summary>
    public AgentKey(SshAgentClient agent, SshPublicKey publicKey)
    {
        _agent = agent;
        PublicKey = publicKey;
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey { get; }

    /// <inheritdoc/>
    /// <exception cref="SshAgentException">The agent refused (locked, key removed, confirmation denied) or failed.</exception>
    internal override async ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => await _agent.SignAsync(PublicKey, signatureAlgorithm, data, cancellationToken).ConfigureAwait(false);
}
