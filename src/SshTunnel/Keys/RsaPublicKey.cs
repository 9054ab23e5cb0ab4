using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>
/// An ssh-rsa public key (RFC 4253 §6.6): blob = string "ssh-rsa", mpint e, mpint n. Verifies only rsa-sha2-512 and
/// rsa-sha2-256 signatures (RFC 8332); SHA-1 "ssh-rsa" signatures are refused.
/// </summary>
internal sealed class RsaPublicKey : SshPublicKey
{
    /// <summary>Smallest modulus accepted, in bits (OpenSSH's RequiredRSASize default since 9.1).</summary>
    public const int MinimumKeySize = 1024;

    /// <summary>Largest modulus accepted, in bits (OpenSSH's SSHBUF_MAX_BIGNUM).</summary>
    public const int MaximumKeySize = 16384;

    private static readonly string[] SignatureAlgorithmList = [AlgorithmNames.RsaSha2512, AlgorithmNames.RsaSha2256];

    private readonly RSAParameters _parameters;

    /// <summary>Creates the key from its modulus and public exponent (the private fields are ignored).</summary>
    /// <exception cref="SshProtocolException">
    /// The modulus or exponent is missing, the modulus is under <see cref="MinimumKeySize"/> or over <see cref="MaximumKeySize"/>
    /// bits or even, or the exponent is even, below 3 or not smaller than the modulus.
    /// </exception>
    public RsaPublicKey(RSAParameters parameters) : this(Prepare(parameters)) { }

    private RsaPublicKey((RSAParameters Parameters, byte[] Blob) prepared) : base(prepared.Blob) => _parameters = prepared.Parameters;

    /// <inheritdoc/>
    public override string KeyType => AlgorithmNames.SshRsa;

    /// <summary>The modulus size in bits.</summary>
    internal int KeySize => BitLength(_parameters.Modulus!);

    /// <summary>rsa-sha2-512, rsa-sha2-256 (RFC 8332 §3).</summary>
    internal override IReadOnlyList<string> SignatureAlgorithms => SignatureAlgorithmList;

    /// <summary>
    /// Verifies an RSASSA-PKCS1-v1_5 signature for rsa-sha2-256 or rsa-sha2-512 (RFC 8332 §3). A signature shorter than the
    /// modulus is left-padded with zeros as OpenSSH does; a longer one, any other algorithm, or a bad signature gives false.
    /// </summary>
    internal override bool Verify(string signatureAlgorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        HashAlgorithmName hash;
        if (signatureAlgorithm == AlgorithmNames.RsaSha2512) hash = HashAlgorithmName.SHA512;
        else if (signatureAlgorithm == AlgorithmNames.RsaSha2256) hash = HashAlgorithmName.SHA256;
        else return false;

        int modulusLength = _parameters.Modulus!.Length;
        if (signature.Length == 0 || signature.Length > modulusLength) return false;
        byte[] padded = new byte[modulusLength];
        signature.CopyTo(padded.AsSpan(modulusLength - signature.Length));
        try
        {
            using RSA rsa = RSA.Create(_parameters);
            return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Returns <paramref name="value"/> without leading zero bytes.</summary>
    internal static byte[] TrimLeadingZeros(byte[] value)
    {
        int start = 0;
        while (start < value.Length && value[start] == 0) start++;
        return start == 0 ? value : value[start..];
    }

    /// <summary>Bit length of an unsigned big-endian number without leading zero bytes.</summary>
    internal static int BitLength(ReadOnlySpan<byte> trimmed) =>
        trimmed.Length == 0 ? 0 : (trimmed.Length - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)trimmed[0]));

    private static (RSAParameters, byte[]) Prepare(RSAParameters parameters)
    {
        if (parameters.Modulus is null || parameters.Exponent is null) throw new SshProtocolException("RSA key needs a modulus and an exponent");
        byte[] n = TrimLeadingZeros(parameters.Modulus);
        byte[] e = TrimLeadingZeros(parameters.Exponent);
        int bits = BitLength(n);
        if (bits < MinimumKeySize) throw new SshProtocolException($"RSA key of {bits} bits is smaller than the minimum of {MinimumKeySize} bits");
        if (bits > MaximumKeySize) throw new SshProtocolException($"RSA key of {bits} bits is larger than the maximum of {MaximumKeySize} bits");
        if ((n[^1] & 1) == 0) throw new SshProtocolException("RSA modulus is even");
        if (e.Length == 0 || (e[^1] & 1) == 0 || (e.Length == 1 && e[0] < 3) || e.Length > n.Length)
        {
            throw new SshProtocolException("RSA public exponent must be odd, at least 3 and smaller than the modulus");
        }
        var publicParameters = new RSAParameters { Modulus = n, Exponent = e };
        try
        {
            using RSA check = RSA.Create(publicParameters);
        }
        catch (CryptographicException)
        {
            throw new SshProtocolException("invalid RSA public key");
        }
        var writer = new SshWriter(16 + n.Length + e.Length);
        writer.WriteString(AlgorithmNames.SshRsa);
        writer.WriteMPInt(e);
        writer.WriteMPInt(n);
        return (publicParameters, writer.ToArray());
    }
}
