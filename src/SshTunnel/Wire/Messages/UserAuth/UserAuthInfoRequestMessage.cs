using SshTunnel.Errors;

namespace SshTunnel.Wire.Messages.UserAuth;

/// <summary>
/// SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2), sent by the server during keyboard-interactive authentication.
/// Shares number 60 with SSH_MSG_USERAUTH_PK_OK: the pending method decides.
/// <code>
/// byte      SSH_MSG_USERAUTH_INFO_REQUEST (60)
/// string    name (ISO-10646 UTF-8)
/// string    instruction (ISO-10646 UTF-8)
/// string    language tag (as defined in [RFC-3066])
/// int       num-prompts
/// string    prompt[1] (ISO-10646 UTF-8)
/// boolean   echo[1]
/// ...
/// string    prompt[num-prompts] (ISO-10646 UTF-8)
/// boolean   echo[num-prompts]
/// </code>
/// </summary>
internal readonly struct UserAuthInfoRequestMessage
{
    /// <summary>Most prompts accepted in one request (OpenSSH's sshd limits replies to 100).</summary>
    public const int MaxPrompts = 100;

    /// <summary>Creates the message.</summary>
    public UserAuthInfoRequestMessage(string name, string instruction, IReadOnlyList<(string Prompt, bool Echo)> prompts, string languageTag = "")
    {
        Name = name;
        Instruction = instruction;
        LanguageTag = languageTag;
        Prompts = prompts;
    }

    /// <summary>The request's name (a title), possibly empty.</summary>
    public string Name { get; }

    /// <summary>Instruction text, possibly empty.</summary>
    public string Instruction { get; }

    /// <summary>Language tag (deprecated, usually empty).</summary>
    public string LanguageTag { get; }

    /// <summary>The prompts and whether the user's answer may be echoed.</summary>
    public IReadOnlyList<(string Prompt, bool Echo)> Prompts { get; }

    /// <summary>Parses the payload (message number included).</summary>
    /// <exception cref="SshProtocolException">Wrong message number, more than <see cref="MaxPrompts"/> prompts, invalid UTF-8, truncated or trailing data.</exception>
    public static UserAuthInfoRequestMessage Read(ref SshReader reader)
    {
        MessageReading.ExpectMessageNumber(ref reader, MessageNumber.UserAuthPkOk);
        string name = reader.ReadUtf8String();
        string instruction = reader.ReadUtf8String();
        string language = reader.ReadUtf8String();
        uint count = reader.ReadUInt32();
        if (count > MaxPrompts) throw new SshProtocolException($"keyboard-interactive request with {count} prompts (at most {MaxPrompts})");
        var prompts = new (string, bool)[count];
        for (int i = 0; i < prompts.Length; i++)
        {
            string prompt = reader.ReadUtf8String();
            bool echo = reader.ReadBoolean();
            prompts[i] = (prompt, echo);
        }
        reader.ReadEnd();
        return new UserAuthInfoRequestMessage(name, instruction, prompts, language);
    }

    /// <summary>Writes the payload (message number included).</summary>
    public void Write(ref SshWriter writer)
    {
        writer.WriteMessageNumber(MessageNumber.UserAuthPkOk);
        writer.WriteString(Name);
        writer.WriteString(Instruction);
        writer.WriteString(LanguageTag);
        writer.WriteUInt32((uint)Prompts.Count);
        foreach ((string prompt, bool echo) in Prompts)
        {
            writer.WriteString(prompt);
            writer.WriteBoolean(echo);
        }
    }
}
