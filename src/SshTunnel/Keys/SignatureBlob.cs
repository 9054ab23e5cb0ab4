using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>Builds the SSH signature blob: string algorithm, string signature (RFC 4253 §6.6).</summary>
internal static class SignatureBlob
{
    /// <summary>Returns string <paramref name="algorithm"/> || string <paramref name="signature"/>.</summary>
    public static byte[] Create(string algorithm, ReadOnlySpan<byte> signature)
    {
        var writer = new SshWriter(8 + algorithm.Length + signature.Length);
        writer.WriteString(algorithm);
        writer.WriteString(signature);
        return writer.ToArray();
    }
}
