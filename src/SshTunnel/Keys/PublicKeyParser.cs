using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>Dispatches a public key blob to the parser for its type.</summary>
internal static class PublicKeyParser
{
    /// <summary>Parses a blob; see <see cref="SshPublicKey.Parse"/>.</summary>
    public static SshPublicKey Parse(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        string type = reader.ReadAsciiString();
        throw new SshProtocolException($"unsupported public key type {type}");
    }
}
