using System.Buffers.Binary;
using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §5.2:
//   byte      SSH_MSG_CHANNEL_DATA
//   uint32    recipient channel
//   string    data
//
//   byte      SSH_MSG_CHANNEL_EXTENDED_DATA
//   uint32    recipient channel
//   uint32    data_type_code          (1 = SSH_EXTENDED_DATA_STDERR)
//   string    data

/// <summary>
/// Header handling for SSH_MSG_CHANNEL_DATA and SSH_MSG_CHANNEL_EXTENDED_DATA (RFC 4254 §5.2). Data is never
/// copied into a message object: the reader returns a slice of the packet, the writer fills the header in front of
/// data already placed in a packet buffer.
/// </summary>
internal static class ChannelDataHeader
{
    /// <summary>Bytes in front of the data of SSH_MSG_CHANNEL_DATA: byte + uint32 + uint32 length.</summary>
    public const int DataHeaderLength = 9;

    /// <summary>Bytes in front of the data of SSH_MSG_CHANNEL_EXTENDED_DATA.</summary>
    public const int ExtendedDataHeaderLength = 13;

    /// <summary>data_type_code of stderr (RFC 4254 §5.2).</summary>
    public const uint ExtendedDataStderr = 1;

    /// <summary>Parses SSH_MSG_CHANNEL_DATA; <paramref name="data"/> is a slice of <paramref name="payload"/>.</summary>
    /// <exception cref="SshProtocolException">Truncated message, or a length that does not match the payload.</exception>
    public static uint ReadData(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> data)
    {
        if (payload.Length < DataHeaderLength || payload[0] != (byte)MessageNumber.ChannelData)
        {
            throw new SshProtocolException("truncated SSH_MSG_CHANNEL_DATA");
        }
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(payload[5..]);
        if (length != (uint)(payload.Length - DataHeaderLength))
        {
            throw new SshProtocolException($"SSH_MSG_CHANNEL_DATA length {length} does not match the {payload.Length - DataHeaderLength} bytes present");
        }
        data = payload[DataHeaderLength..];
        return recipient;
    }

    /// <summary>Parses SSH_MSG_CHANNEL_EXTENDED_DATA; <paramref name="data"/> is a slice of <paramref name="payload"/>.</summary>
    /// <exception cref="SshProtocolException">Truncated message, or a length that does not match the payload.</exception>
    public static uint ReadExtendedData(ReadOnlySpan<byte> payload, out uint dataTypeCode, out ReadOnlySpan<byte> data)
    {
        if (payload.Length < ExtendedDataHeaderLength || payload[0] != (byte)MessageNumber.ChannelExtendedData)
        {
            throw new SshProtocolException("truncated SSH_MSG_CHANNEL_EXTENDED_DATA");
        }
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
        dataTypeCode = BinaryPrimitives.ReadUInt32BigEndian(payload[5..]);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(payload[9..]);
        if (length != (uint)(payload.Length - ExtendedDataHeaderLength))
        {
            throw new SshProtocolException($"SSH_MSG_CHANNEL_EXTENDED_DATA length {length} does not match the {payload.Length - ExtendedDataHeaderLength} bytes present");
        }
        data = payload[ExtendedDataHeaderLength..];
        return recipient;
    }

    /// <summary>Builds a pooled SSH_MSG_CHANNEL_DATA packet holding a copy of <paramref name="data"/>.</summary>
    public static Packet CreateDataPacket(uint recipientChannel, ReadOnlySpan<byte> data)
    {
        Packet packet = Packet.Rent(DataHeaderLength + data.Length);
        Span<byte> buffer = packet.Buffer.AsSpan(Packet.HeaderLength);
        buffer[0] = (byte)MessageNumber.ChannelData;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[1..], recipientChannel);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[5..], (uint)data.Length);
        data.CopyTo(buffer[DataHeaderLength..]);
        packet.SetPayloadLength(DataHeaderLength + data.Length);
        return packet;
    }

    /// <summary>Builds a pooled SSH_MSG_CHANNEL_EXTENDED_DATA packet holding a copy of <paramref name="data"/>.</summary>
    public static Packet CreateExtendedDataPacket(uint recipientChannel, uint dataTypeCode, ReadOnlySpan<byte> data)
    {
        Packet packet = Packet.Rent(ExtendedDataHeaderLength + data.Length);
        Span<byte> buffer = packet.Buffer.AsSpan(Packet.HeaderLength);
        buffer[0] = (byte)MessageNumber.ChannelExtendedData;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[1..], recipientChannel);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[5..], dataTypeCode);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[9..], (uint)data.Length);
        data.CopyTo(buffer[ExtendedDataHeaderLength..]);
        packet.SetPayloadLength(ExtendedDataHeaderLength + data.Length);
        return packet;
    }
}
