namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// One PEM block (RFC 7468 with the RFC 1421 headers OpenSSL's legacy encrypted keys use):
/// "-----BEGIN LABEL-----", optional "Name: value" header lines ended by a blank line, base64, "-----END LABEL-----".
/// </summary>
internal sealed class PemArmor
{
    /// <summary>Longest key file text accepted (the largest real key files are a few KiB).</summary>
    public const int MaxTextLength = 1 << 20;

    private const string BeginPrefix = "-----BEGIN ";
    private const string EndPrefix = "-----END ";
    private const string Dashes = "-----";

    private PemArmor(string label, Dictionary<string, string> headers, byte[] data)
    {
        Label = label;
        Headers = headers;
        Data = data;
    }

    /// <summary>The label, e.g. "OPENSSH PRIVATE KEY".</summary>
    public string Label { get; }

    /// <summary>RFC 1421 headers (names compared case-insensitively).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The decoded body; the caller wipes it when it holds a secret.</summary>
    public byte[] Data { get; }

    /// <summary>True when the text contains a BEGIN line (cheap check before <see cref="Parse"/>).</summary>
    public static bool ContainsBeginLine(string text) => text.Contains(BeginPrefix, StringComparison.Ordinal);

    /// <summary>Parses the first PEM block in <paramref name="text"/>.</summary>
    /// <exception cref="SshKeyFileException">No complete block, bad header or bad base64 (<see cref="SshKeyFileError.InvalidFormat"/>).</exception>
    public static PemArmor Parse(string text)
    {
        if (text.Length > MaxTextLength) throw SshKeyFileException.InvalidFormat("file too large");
        string[] lines = text.Split('\n');
        int index = 0;
        string? label = null;
        for (; index < lines.Length; index++)
        {
            string line = lines[index].Trim();
            if (line.StartsWith(BeginPrefix, StringComparison.Ordinal) && line.EndsWith(Dashes, StringComparison.Ordinal)
                && line.Length >= BeginPrefix.Length + Dashes.Length)
            {
                label = line[BeginPrefix.Length..^Dashes.Length];
                index++;
                break;
            }
        }
        if (label is null || label.Length == 0) throw SshKeyFileException.InvalidFormat("no BEGIN line");

        string endLine = EndPrefix + label + Dashes;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = new System.Text.StringBuilder();
        bool inHeaders = true;
        bool ended = false;
        for (; index < lines.Length; index++)
        {
            string line = lines[index].Trim();
            if (line == endLine)
            {
                ended = true;
                break;
            }
            if (line.StartsWith(Dashes, StringComparison.Ordinal)) throw SshKeyFileException.InvalidFormat("unexpected line " + Truncate(line));
            if (inHeaders)
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    continue;
                }
                inHeaders = false;
                if (line.Length == 0) continue;
            }
            body.Append(line);
        }
        if (!ended) throw SshKeyFileException.InvalidFormat("no END line");
        if (body.Length == 0) throw SshKeyFileException.InvalidFormat("empty key data");

        byte[] data;
        try
        {
            data = Convert.FromBase64String(body.ToString());
        }
        catch (FormatException e)
        {
            throw SshKeyFileException.InvalidFormat("invalid base64", e);
        }
        return new PemArmor(label, headers, data);
    }

    private static string Truncate(string line) => line.Length <= 40 ? line : line[..40] + "...";
}
