using SshTunnel.Errors;

namespace SshTunnel.Connection;

/// <summary>An <see cref="SshChannelOpenException"/> that also knows our channel number, for OpenSSH's "channel N: open failed: ..." line.</summary>
internal sealed class ChannelOpenFailedException : SshChannelOpenException
{
    public ChannelOpenFailedException(uint localChannelId, ChannelOpenFailureReason reason, string description)
        : base(reason, description) => LocalChannelId = localChannelId;

    /// <summary>Our channel number for the failed open.</summary>
    public uint LocalChannelId { get; }

    /// <summary>OpenSSH's wording of a reason code (channels.c reason2txt).</summary>
    public static string ReasonText(ChannelOpenFailureReason reason) => reason switch
    {
        ChannelOpenFailureReason.AdministrativelyProhibited => "administratively prohibited",
        ChannelOpenFailureReason.ConnectFailed => "connect failed",
        ChannelOpenFailureReason.UnknownChannelType => "unknown channel type",
        ChannelOpenFailureReason.ResourceShortage => "resource shortage",
        _ => "unknown reason",
    };

    /// <summary>OpenSSH's client line: <c>channel N: open failed: connect failed: Connection refused</c>.</summary>
    public static string FormatOpenSshMessage(uint localChannelId, SshChannelOpenException exception)
        => $"channel {localChannelId}: open failed: {ReasonText(exception.Reason)}: {exception.Description}";
}
