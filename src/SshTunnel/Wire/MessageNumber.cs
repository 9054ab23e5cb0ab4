namespace SshTunnel.Wire;

/// <summary>SSH message numbers (RFC 4250 §4.1, RFC 8308, OpenSSH PROTOCOL).</summary>
internal enum MessageNumber : byte
{
    /// <summary>SSH_MSG_DISCONNECT</summary>
    Disconnect = 1,
    /// <summary>SSH_MSG_IGNORE</summary>
    Ignore = 2,
    /// <summary>SSH_MSG_UNIMPLEMENTED</summary>
    Unimplemented = 3,
    /// <summary>SSH_MSG_DEBUG</summary>
    Debug = 4,
    /// <summary>SSH_MSG_SERVICE_REQUEST</summary>
    ServiceRequest = 5,
    /// <summary>SSH_MSG_SERVICE_ACCEPT</summary>
    ServiceAccept = 6,
    /// <summary>SSH_MSG_EXT_INFO (RFC 8308)</summary>
    ExtInfo = 7,
    /// <summary>SSH_MSG_KEXINIT</summary>
    KexInit = 20,
    /// <summary>SSH_MSG_NEWKEYS</summary>
    NewKeys = 21,
    /// <summary>SSH_MSG_KEXDH_INIT / SSH_MSG_KEX_ECDH_INIT / SSH_MSG_KEX_DH_GEX_REQUEST_OLD</summary>
    KexDhInit = 30,
    /// <summary>SSH_MSG_KEXDH_REPLY / SSH_MSG_KEX_ECDH_REPLY / SSH_MSG_KEX_DH_GEX_GROUP</summary>
    KexDhReply = 31,
    /// <summary>SSH_MSG_KEX_DH_GEX_INIT</summary>
    KexDhGexInit = 32,
    /// <summary>SSH_MSG_KEX_DH_GEX_REPLY</summary>
    KexDhGexReply = 33,
    /// <summary>SSH_MSG_KEX_DH_GEX_REQUEST</summary>
    KexDhGexRequest = 34,
    /// <summary>SSH_MSG_USERAUTH_REQUEST</summary>
    UserAuthRequest = 50,
    /// <summary>SSH_MSG_USERAUTH_FAILURE</summary>
    UserAuthFailure = 51,
    /// <summary>SSH_MSG_USERAUTH_SUCCESS</summary>
    UserAuthSuccess = 52,
    /// <summary>SSH_MSG_USERAUTH_BANNER</summary>
    UserAuthBanner = 53,
    /// <summary>SSH_MSG_USERAUTH_PK_OK / SSH_MSG_USERAUTH_PASSWD_CHANGEREQ / SSH_MSG_USERAUTH_INFO_REQUEST</summary>
    UserAuthPkOk = 60,
    /// <summary>SSH_MSG_USERAUTH_INFO_RESPONSE</summary>
    UserAuthInfoResponse = 61,
    /// <summary>SSH_MSG_GLOBAL_REQUEST</summary>
    GlobalRequest = 80,
    /// <summary>SSH_MSG_REQUEST_SUCCESS</summary>
    RequestSuccess = 81,
    /// <summary>SSH_MSG_REQUEST_FAILURE</summary>
    RequestFailure = 82,
    /// <summary>SSH_MSG_CHANNEL_OPEN</summary>
    ChannelOpen = 90,
    /// <summary>SSH_MSG_CHANNEL_OPEN_CONFIRMATION</summary>
    ChannelOpenConfirmation = 91,
    /// <summary>SSH_MSG_CHANNEL_OPEN_FAILURE</summary>
    ChannelOpenFailure = 92,
    /// <summary>SSH_MSG_CHANNEL_WINDOW_ADJUST</summary>
    ChannelWindowAdjust = 93,
    /// <summary>SSH_MSG_CHANNEL_DATA</summary>
    ChannelData = 94,
    /// <summary>SSH_MSG_CHANNEL_EXTENDED_DATA</summary>
    ChannelExtendedData = 95,
    /// <summary>SSH_MSG_CHANNEL_EOF</summary>
    ChannelEof = 96,
    /// <summary>SSH_MSG_CHANNEL_CLOSE</summary>
    ChannelClose = 97,
    /// <summary>SSH_MSG_CHANNEL_REQUEST</summary>
    ChannelRequest = 98,
    /// <summary>SSH_MSG_CHANNEL_SUCCESS</summary>
    ChannelSuccess = 99,
    /// <summary>SSH_MSG_CHANNEL_FAILURE</summary>
    ChannelFailure = 100,
}
