using SshTunnel.Errors;

namespace SshTunnel.Authentication.Agent;

/// <summary>ssh-agent could not be reached, refused a request, or sent a malformed reply.</summary>
internal sealed class SshAgentException : SshException
{
    /// <summary>Creates the exception.</summary>
    public SshAgentException(string message, Exception? innerException = null) : base(message, innerException) { }
}
