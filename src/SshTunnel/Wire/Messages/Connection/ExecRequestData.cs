namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §6.5, channel request "exec":
//   string    command

/// <summary>Request-specific data of the "exec" channel request (RFC 4254 §6.5).</summary>
internal readonly struct ExecRequestData
{
    /// <summary>The command line (bytes taken as UTF-8).</summary>
    public string Command { get; init; }

    /// <summary>Parses the data; trailing bytes are a protocol error.</summary>
    public static ExecRequestData Parse(ReadOnlySpan<byte> requestSpecificData)
    {
        var reader = new SshReader(requestSpecificData);
        var data = new ExecRequestData { Command = reader.ReadUtf8String() };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer) => writer.WriteString(Command);
}
