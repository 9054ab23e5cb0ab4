using System.Net;
using System.Net.Sockets;

namespace SshTunnel.Server.Policy;

/// <summary>
/// Address pattern-lists as in OpenSSH's addrmatch.c (addr_match_list): each entry is either a CIDR network
/// (<c>10.0.0.0/8</c>, <c>::1/128</c>, a bare address) or a wildcard pattern matched against the address string;
/// <c>!</c> negates.
/// </summary>
internal static class AddressPattern
{
    /// <summary>A positive entry matched.</summary>
    public const int Matched = 1;

    /// <summary>Nothing matched (or the address itself did not parse).</summary>
    public const int NotMatched = 0;

    /// <summary>A negated entry matched.</summary>
    public const int Negated = -1;

    /// <summary>The list contains an empty entry or a CIDR entry with host bits set or an impossible mask.</summary>
    public const int Invalid = -2;

    /// <summary>Matches <paramref name="address"/> against the list; with a null address only validates the list.</summary>
    public static int MatchList(string? address, string list)
    {
        IPAddress? tryAddress = null;
        if (address is not null && !TryParseAddress(address, out tryAddress)) return NotMatched;
        int result = NotMatched;
        foreach (string raw in list.Split(','))
        {
            bool negated = raw.StartsWith('!');
            string entry = negated ? raw[1..] : raw;
            if (entry.Length == 0) return Invalid;
            int cidr = TryParseCidr(entry, out IPAddress? network, out int maskLength);
            bool found;
            if (cidr == Invalid) return Invalid;
            if (cidr == Matched)
            {
                found = tryAddress is not null && NetMatch(tryAddress, network!, maskLength);
            }
            else
            {
                found = address is not null && SshPattern.Match(address, entry);
            }
            if (found)
            {
                if (negated) return Negated;
                result = Matched;
            }
        }
        return result;
    }

    /// <summary>
    /// addr_pton_cidr: returns <see cref="Matched"/> for a valid network, <see cref="NotMatched"/> when the text is not
    /// an address (so it is a wildcard pattern), <see cref="Invalid"/> for a bad mask or host bits set beyond it.
    /// </summary>
    public static int TryParseCidr(string text, out IPAddress? network, out int maskLength)
    {
        network = null;
        maskLength = 0;
        if (text.Length >= 64) return NotMatched;
        string addressPart = text;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        int mask = -1;
        if (slash >= 0)
        {
            addressPart = text[..slash];
            string maskText = text[(slash + 1)..];
            if (maskText.Length == 0 || maskText.Length > 3 || !maskText.All(char.IsAsciiDigit)) return NotMatched;
            mask = int.Parse(maskText, System.Globalization.CultureInfo.InvariantCulture);
            if (mask > 128) return NotMatched;
        }
        if (!TryParseAddress(addressPart, out IPAddress? parsed)) return NotMatched;
        int bits = parsed!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (mask < 0) mask = bits;
        if (mask > bits) return Invalid;
        byte[] bytes = parsed.GetAddressBytes();
        for (int i = 0; i < bytes.Length * 8; i++)
        {
            if (i >= mask && (bytes[i / 8] & (0x80 >> (i % 8))) != 0) return Invalid;
        }
        network = parsed;
        maskLength = mask;
        return Matched;
    }

    /// <summary>Parses a numeric address (no DNS), mapping IPv4-mapped IPv6 to IPv4 as a socket peer address would be.</summary>
    public static bool TryParseAddress(string text, out IPAddress? address)
    {
        address = null;
        if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal)) return false;
        if (!IPAddress.TryParse(text, out IPAddress? parsed)) return false;
        address = parsed;
        return true;
    }

    /// <summary>addr_netmatch: same family and equal in the first <paramref name="maskLength"/> bits.</summary>
    public static bool NetMatch(IPAddress address, IPAddress network, int maskLength)
    {
        if (address.AddressFamily != network.AddressFamily) return false;
        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        for (int i = 0; i < maskLength; i++)
        {
            int m = 0x80 >> (i % 8);
            if ((a[i / 8] & m) != (n[i / 8] & m)) return false;
        }
        return true;
    }
}
