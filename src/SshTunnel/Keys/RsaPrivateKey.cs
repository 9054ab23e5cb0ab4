using System.Numerics;
using System.Security.Cryptography;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys;

/// <summary>An RSA private key (key type ssh-rsa) signing with rsa-sha2-512 or rsa-sha2-256 (RFC 8332), held by the platform's <see cref="RSA"/>.</summary>
internal sealed class RsaPrivateKey : SshPrivateKey, IOpenSshPrivateKeyFields
{
    private readonly RSA _rsa;
    private readonly RsaPublicKey _publicKey;
    private bool _disposed;

    /// <summary>
    /// Creates the key from Modulus, Exponent, D, P and Q; DP and DQ are recomputed, InverseQ is checked when given and
    /// computed when absent (openssh-key-v1 files carry n, e, d, iqmp, p, q only). Leading zero bytes are accepted.
    /// The caller keeps ownership of the arrays in <paramref name="parameters"/> (and should zero them itself).
    /// </summary>
    /// <exception cref="SshProtocolException">
    /// A field is missing, the key is outside 1024..16384 bits, p·q ≠ n, iqmp is wrong, or the platform refuses the key.
    /// </exception>
    public RsaPrivateKey(RSAParameters parameters)
    {
        _publicKey = new RsaPublicKey(parameters);
        if (parameters.D is null || parameters.P is null || parameters.Q is null)
        {
            throw new SshProtocolException("RSA private key needs d, p and q");
        }
        byte[] modulus = RsaPublicKey.TrimLeadingZeros(parameters.Modulus!);
        int length = modulus.Length;
        int half = (length + 1) / 2;
        BigInteger n = ToBigInteger(modulus);
        BigInteger d = ToBigInteger(parameters.D);
        BigInteger p = ToBigInteger(parameters.P);
        BigInteger q = ToBigInteger(parameters.Q);
        if (p <= BigInteger.One || q <= BigInteger.One || p * q != n) throw new SshProtocolException("RSA private key: p·q does not equal the modulus");
        if (d <= BigInteger.One || d >= n) throw new SshProtocolException("RSA private key: d is out of range");
        BigInteger iqmp;
        if (parameters.InverseQ is { } givenInverse)
        {
            iqmp = ToBigInteger(givenInverse);
            if (iqmp >= p || q * iqmp % p != BigInteger.One) throw new SshProtocolException("RSA private key: iqmp is not q⁻¹ mod p");
        }
        else
        {
            iqmp = BigInteger.ModPow(q, p - 2, p); // p is prime: Fermat inverse
            if (q * iqmp % p != BigInteger.One) throw new SshProtocolException("RSA private key: p is not prime");
        }

        // The platform wants D as long as the modulus and the CRT values all half as long.
        var full = new RSAParameters
        {
            Modulus = modulus,
            Exponent = RsaPublicKey.TrimLeadingZeros(parameters.Exponent!),
            D = ToFixed(d, length),
            P = ToFixed(p, half),
            Q = ToFixed(q, half),
            DP = ToFixed(d % (p - 1), half),
            DQ = ToFixed(d % (q - 1), half),
            InverseQ = ToFixed(iqmp, half),
        };
        try
        {
            _rsa = RSA.Create();
            try
            {
                _rsa.ImportParameters(full);
            }
            catch (CryptographicException)
            {
                _rsa.Dispose();
                throw new SshProtocolException("invalid RSA private key");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(full.D);
            CryptographicOperations.ZeroMemory(full.P);
            CryptographicOperations.ZeroMemory(full.Q);
            CryptographicOperations.ZeroMemory(full.DP);
            CryptographicOperations.ZeroMemory(full.DQ);
            CryptographicOperations.ZeroMemory(full.InverseQ);
        }
    }

    /// <summary>Generates a new random key of <paramref name="keySizeInBits"/> bits (at least 2048 recommended).</summary>
    /// <exception cref="SshProtocolException">The size is outside 1024..16384 bits.</exception>
    public static RsaPrivateKey Generate(int keySizeInBits)
    {
        if (keySizeInBits is < RsaPublicKey.MinimumKeySize or > RsaPublicKey.MaximumKeySize)
        {
            throw new SshProtocolException($"RSA key size {keySizeInBits} is outside {RsaPublicKey.MinimumKeySize}..{RsaPublicKey.MaximumKeySize}");
        }
        using RSA rsa = RSA.Create(keySizeInBits);
        RSAParameters parameters = rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            return new RsaPrivateKey(parameters);
        }
        finally
        {
            ZeroPrivate(parameters);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey => _publicKey;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="signatureAlgorithm"/> is not rsa-sha2-512 or rsa-sha2-256 (SHA-1 ssh-rsa is refused).</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    internal override ValueTask<byte[]> SignAsync(string signatureAlgorithm, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        HashAlgorithmName hash;
        if (signatureAlgorithm == AlgorithmNames.RsaSha2512) hash = HashAlgorithmName.SHA512;
        else if (signatureAlgorithm == AlgorithmNames.RsaSha2256) hash = HashAlgorithmName.SHA256;
        else throw new ArgumentException($"an RSA key cannot sign with {signatureAlgorithm} (only rsa-sha2-512 and rsa-sha2-256)", nameof(signatureAlgorithm));
        byte[] signature = _rsa.SignData(data.Span, hash, RSASignaturePadding.Pkcs1);
        return ValueTask.FromResult(SignatureBlob.Create(signatureAlgorithm, signature));
    }

    /// <inheritdoc/>
    void IOpenSshPrivateKeyFields.WriteOpenSshPrivateFields(ref SshWriter writer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RSAParameters parameters = _rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            writer.WriteMPInt(parameters.Modulus!);
            writer.WriteMPInt(parameters.Exponent!);
            writer.WriteMPInt(parameters.D!);
            writer.WriteMPInt(parameters.InverseQ!);
            writer.WriteMPInt(parameters.P!);
            writer.WriteMPInt(parameters.Q!);
        }
        finally
        {
            ZeroPrivate(parameters);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed) _rsa.Dispose();
        _disposed = true;
        base.Dispose(disposing);
    }

    private static BigInteger ToBigInteger(byte[] unsignedBigEndian) => new(unsignedBigEndian, isUnsigned: true, isBigEndian: true);

    private static byte[] ToFixed(BigInteger value, int length)
    {
        int count = value.GetByteCount(isUnsigned: true);
        if (count > length) throw new SshProtocolException("RSA private key: unsupported prime sizes");
        byte[] result = new byte[length];
        value.TryWriteBytes(result.AsSpan(length - count), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }

    private static void ZeroPrivate(RSAParameters parameters)
    {
        CryptographicOperations.ZeroMemory(parameters.D);
        CryptographicOperations.ZeroMemory(parameters.P);
        CryptographicOperations.ZeroMemory(parameters.Q);
        CryptographicOperations.ZeroMemory(parameters.DP);
        CryptographicOperations.ZeroMemory(parameters.DQ);
        CryptographicOperations.ZeroMemory(parameters.InverseQ);
    }
}
