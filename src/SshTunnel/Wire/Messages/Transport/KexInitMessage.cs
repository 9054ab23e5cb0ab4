using System.Security.Cryptography;
using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Transport;

// RFC 4253 §7.1
//   byte         SSH_MSG_KEXINIT
//   byte[16]     cookie (random bytes)
//   name-list    kex_algorithms
//   name-list    server_host_key_algorithms
//   name-list    encryption_algorithms_client_to_server
//   name-list    encryption_algorithms_server_to_client
//   name-list    mac_algorithms_client_to_server
//   name-list    mac_algorithms_server_to_client
//   name-list    compression_algorithms_client_to_server
//   name-list    compression_algorithms_server_to_client
//   name-list    languages_client_to_server
//   name-list    languages_server_to_client
//   boolean      first_kex_packet_follows
//   uint32       0 (reserved for future extension)

/// <summary>SSH_MSG_KEXINIT (RFC 4253 §7.1): one side's algorithm proposal.</summary>
internal sealed class KexInitMessage
{
    public required string[] KexAlgorithms { get; init; }
    public required string[] ServerHostKeyAlgorithms { get; init; }
    public required string[] EncryptionAlgorithmsClientToServer { get; init; }
    public required string[] EncryptionAlgorithmsServerToClient { get; init; }
    public required string[] MacAlgorithmsClientToServer { get; init; }
    public required string[] MacAlgorithmsServerToClient { get; init; }
    public required string[] CompressionAlgorithmsClientToServer { get; init; }
    public required string[] CompressionAlgorithmsServerToClient { get; init; }
    public string[] LanguagesClientToServer { get; init; } = [];
    public string[] LanguagesServerToClient { get; init; } = [];
    public bool FirstKexPacketFollows { get; init; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="SshProtocolException">Malformed message.</exception>
    public static KexInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var reader = new SshReader(payload);
        if (reader.ReadMessageNumber() != MessageNumber.KexInit) throw new SshProtocolException("expected SSH_MSG_KEXINIT");
        reader.Skip(16);
        var message = new KexInitMessage
        {
            KexAlgorithms = reader.ReadNameList(),
            ServerHostKeyAlgorithms = reader.ReadNameList(),
            EncryptionAlgorithmsClientToServer = reader.ReadNameList(),
            EncryptionAlgorithmsServerToClient = reader.ReadNameList(),
            MacAlgorithmsClientToServer = reader.ReadNameList(),
            MacAlgorithmsServerToClient = reader.ReadNameList(),
            CompressionAlgorithmsClientToServer = reader.ReadNameList(),
            CompressionAlgorithmsServerToClient = reader.ReadNameList(),
            LanguagesClientToServer = reader.ReadNameList(),
            LanguagesServerToClient = reader.ReadNameList(),
            FirstKexPacketFollows = reader.ReadBoolean(),
        };
        reader.ReadUInt32();
        // RFC 4253 leaves room for extension; OpenSSH ignores trailing bytes here, so do we.
        return message;
    }

    /// <summary>Writes the message with a fresh random cookie.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.KexInit);
        RandomNumberGenerator.Fill(writer.GetSpan(16));
        writer.Advance(16);
        writer.WriteNameList(KexAlgorithms);
        writer.WriteNameList(ServerHostKeyAlgorithms);
        writer.WriteNameList(EncryptionAlgorithmsClientToServer);
        writer.WriteNameList(EncryptionAlgorithmsServerToClient);
        writer.WriteNameList(MacAlgorithmsClientToServer);
        writer.WriteNameList(MacAlgorithmsServerToClient);
        writer.WriteNameList(CompressionAlgorithmsClientToServer);
        writer.WriteNameList(CompressionAlgorithmsServerToClient);
        writer.WriteNameList(LanguagesClientToServer);
        writer.WriteNameList(LanguagesServerToClient);
        writer.WriteBoolean(FirstKexPacketFollows);
        writer.WriteUInt32(0);
    }
}
