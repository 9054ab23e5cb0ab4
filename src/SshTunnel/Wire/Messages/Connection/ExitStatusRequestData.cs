namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §6.10, channel request "exit-status" (want reply = FALSE):
//   uint32    exit_status

/// <summary>Request-specific data of the "exit-status" channel request (RFC 4254 §6.10).</summary>
internal readonly struct ExitStatusRequestData
{
    /// <summary>The command's exit status.</summary>
    public uint ExitStatus { get; init; }

    /// <summary>Parses the data; trailing bytes are a protocol error.</summary>
    public static ExitStatusRequestData Parse(ReadOnlySpan<byte> requestSpecificData)
    {
        var reader = new SshReader(requestSpecificData);
        var data = new ExitStatusRequestData { ExitStatus = reader.ReadUInt32() };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer) => writer.WriteUInt32(ExitStatus);
}
