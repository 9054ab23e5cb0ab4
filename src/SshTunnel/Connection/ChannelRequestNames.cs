namespace SshTunnel.Connection;

/// <summary>Channel request types (RFC 4254 §6; OpenSSH PROTOCOL §2).</summary>
internal static class ChannelRequestNames
{
    /// <summary>"exec" (RFC 4254 §6.5).</summary>
    public const string Exec = "exec";
    /// <summary>"shell" (RFC 4254 §6.5).</summary>
    public const string Shell = "shell";
    /// <summary>"subsystem" (RFC 4254 §6.5).</summary>
    public const string Subsystem = "subsystem";
    /// <summary>"pty-req" (RFC 4254 §6.2).</summary>
    public const string PtyRequest = "pty-req";
    /// <summary>"env" (RFC 4254 §6.4).</summary>
    public const string Env = "env";
    /// <summary>"exit-status" (RFC 4254 §6.10).</summary>
    public const string ExitStatus = "exit-status";
    /// <summary>"exit-signal" (RFC 4254 §6.10).</summary>
    public const string ExitSignal = "exit-signal";
    /// <summary>"keepalive@openssh.com" sent by sshd's ClientAlive on an open channel.</summary>
    public const string KeepAlive = "keepalive@openssh.com";
    /// <summary>"eow@openssh.com": the sender will read no more (OpenSSH PROTOCOL §2.1).</summary>
    public const string EndOfWrite = "eow@openssh.com";
}
