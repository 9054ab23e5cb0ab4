namespace SshTunnel.Wire.Messages.Connection;

// RFC 4254 §6.10, channel request "exit-signal" (want reply = FALSE):
//   string    signal name (without the "SIG" prefix)
//   boolean   core dumped
//   string    error message in ISO-10646 UTF-8 encoding
//   string    language tag [RFC3066]

/// <summary>Request-specific data of the "exit-signal" channel request (RFC 4254 §6.10).</summary>
internal readonly struct ExitSignalRequestData
{
    /// <summary>Signal name without "SIG" (e.g. "TERM").</summary>
    public string SignalName { get; init; }

    /// <summary>True when a core was dumped.</summary>
    public bool CoreDumped { get; init; }

    /// <summary>Error message text.</summary>
    public string ErrorMessage { get; init; }

    /// <summary>RFC 3066 language tag.</summary>
    public string LanguageTag { get; init; }

    /// <summary>Parses the data; trailing bytes are a protocol error.</summary>
    public static ExitSignalRequestData Parse(ReadOnlySpan<byte> requestSpecificData)
    {
        var reader = new SshReader(requestSpecificData);
        var data = new ExitSignalRequestData
        {
            SignalName = reader.ReadAsciiString(),
            CoreDumped = reader.ReadBoolean(),
            ErrorMessage = reader.ReadUtf8String(),
            LanguageTag = reader.ReadUtf8String(),
        };
        reader.ReadEnd();
        return data;
    }

    /// <summary>Writes the data.</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteString(SignalName);
        writer.WriteBoolean(CoreDumped);
        writer.WriteString(ErrorMessage ?? "");
        writer.WriteString(LanguageTag ?? "");
    }
}
