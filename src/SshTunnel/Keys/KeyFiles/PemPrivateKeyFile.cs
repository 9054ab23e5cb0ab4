using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// The PEM private key formats older ssh-keygen and OpenSSL write: PKCS#1 "RSA PRIVATE KEY" (RFC 8017 A.1.2),
/// SEC1 "EC PRIVATE KEY" (RFC 5915), PKCS#8 "PRIVATE KEY" (RFC 5208/5958, including Ed25519 per RFC 8410),
/// PKCS#8 "ENCRYPTED PRIVATE KEY" (PBES2 and PKCS#12 PBE, decrypted by the BCL), and OpenSSL's legacy
/// "Proc-Type: 4,ENCRYPTED" / "DEK-Info" encryption (EVP_BytesToKey with MD5, one iteration; AES-CBC or 3DES-CBC).
/// </summary>
internal static class PemPrivateKeyFile
{
    /// <summary>True for the labels this class reads.</summary>
    public static bool IsPemPrivateKeyLabel(string label) =>
        label is KeyFileNames.RsaLabel or KeyFileNames.EcLabel or KeyFileNames.Pkcs8Label or KeyFileNames.EncryptedPkcs8Label;

    /// <summary>True when the block is encrypted (PKCS#8 encrypted, or the legacy Proc-Type header).</summary>
    public static bool IsEncrypted(PemArmor pem) =>
        pem.Label == KeyFileNames.EncryptedPkcs8Label
        || (pem.Headers.TryGetValue(KeyFileNames.ProcTypeHeader, out string? procType) && procType.Contains("ENCRYPTED", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads the key in <paramref name="pem"/>, asking for a passphrase only when it is encrypted.</summary>
    /// <exception cref="SshKeyFileException">Malformed, unsupported, wrong passphrase, or no passphrase given.</exception>
    public static SshPrivateKey Parse(PemArmor pem, Func<string?>? passphraseProvider)
    {
        if (pem.Label == KeyFileNames.EncryptedPkcs8Label) return ParseEncryptedPkcs8(pem.Data, passphraseProvider);

        byte[] der = pem.Data;
        bool decrypted = false;
        if (IsEncrypted(pem))
        {
            der = DecryptLegacy(pem, passphraseProvider);
            decrypted = true;
        }
        try
        {
            return pem.Label switch
            {
                KeyFileNames.RsaLabel => ParsePkcs1(der, decrypted),
                KeyFileNames.EcLabel => ParseSec1(der, decrypted),
                KeyFileNames.Pkcs8Label => ParsePkcs8(der),
                _ => throw SshKeyFileException.InvalidFormat("unsupported PEM label " + pem.Label),
            };
        }
        finally
        {
            if (decrypted) CryptographicOperations.ZeroMemory(der);
        }
    }

    private static SshPrivateKey ParsePkcs1(byte[] der, bool decrypted)
    {
        using RSA rsa = RSA.Create();
        try
        {
            rsa.ImportRSAPrivateKey(der, out int read);
            if (read != der.Length) throw new CryptographicException("trailing data after the key");
        }
        catch (CryptographicException e)
        {
            throw decrypted ? SshKeyFileException.IncorrectPassphrase(e) : SshKeyFileException.InvalidFormat("bad PKCS#1 RSA key", e);
        }
        return FromRsa(rsa);
    }

    private static SshPrivateKey ParseSec1(byte[] der, bool decrypted)
    {
        using ECDsa ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportECPrivateKey(der, out int read);
            if (read != der.Length) throw new CryptographicException("trailing data after the key");
        }
        catch (CryptographicException e)
        {
            throw decrypted ? SshKeyFileException.IncorrectPassphrase(e) : SshKeyFileException.InvalidFormat("bad SEC1 EC key", e);
        }
        catch (PlatformNotSupportedException e)
        {
            throw UnsupportedCurve(e);
        }
        return FromEcdsa(ecdsa);
    }

    private static SshPrivateKey ParsePkcs8(byte[] der)
    {
        string algorithm;
        try
        {
            algorithm = ReadPkcs8Algorithm(der);
        }
        catch (AsnContentException e)
        {
            throw SshKeyFileException.InvalidFormat("bad PKCS#8 key", e);
        }

        try
        {
            switch (algorithm)
            {
                case KeyFileNames.RsaEncryptionOid:
                {
                    using RSA rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(der, out int read);
                    if (read != der.Length) throw new CryptographicException("trailing data after the key");
                    return FromRsa(rsa);
                }
                case KeyFileNames.EcPublicKeyOid:
                {
                    using ECDsa ecdsa = ECDsa.Create();
                    ecdsa.ImportPkcs8PrivateKey(der, out int read);
                    if (read != der.Length) throw new CryptographicException("trailing data after the key");
                    return FromEcdsa(ecdsa);
                }
                case KeyFileNames.Ed25519Oid:
                    return ParseEd25519Pkcs8(der);
                default:
                    throw new SshKeyFileException(SshKeyFileError.UnsupportedKeyType, "unsupported PKCS#8 key algorithm " + algorithm);
            }
        }
        catch (CryptographicException e)
        {
            throw SshKeyFileException.InvalidFormat("bad PKCS#8 key", e);
        }
        catch (AsnContentException e)
        {
            throw SshKeyFileException.InvalidFormat("bad PKCS#8 key", e);
        }
        catch (PlatformNotSupportedException e)
        {
            throw UnsupportedCurve(e);
        }
    }

    /// <summary>
    /// The BCL reports an EC curve OID that OpenSSL does not know (a corrupted or exotic key) as
    /// <see cref="PlatformNotSupportedException"/>, not <see cref="CryptographicException"/>.
    /// </summary>
    private static SshKeyFileException UnsupportedCurve(PlatformNotSupportedException e) =>
        new(SshKeyFileError.UnsupportedKeyType, "unsupported ECDSA curve: " + e.Message, e);

    // PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... }
    private static string ReadPkcs8Algorithm(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader info = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        _ = info.ReadInteger();
        AsnReader algorithm = info.ReadSequence();
        return algorithm.ReadObjectIdentifier();
    }

    // RFC 8410 §7: privateKey is an OCTET STRING holding CurvePrivateKey ::= OCTET STRING (the 32-byte seed).
    private static SshPrivateKey ParseEd25519Pkcs8(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader info = reader.ReadSequence();
        _ = info.ReadInteger();
        AsnReader algorithm = info.ReadSequence();
        _ = algorithm.ReadObjectIdentifier();
        if (algorithm.HasData) throw SshKeyFileException.InvalidFormat("Ed25519 algorithm identifier has parameters");
        byte[] wrapped = info.ReadOctetString();
        byte[]? seed = null;
        try
        {
            seed = new AsnReader(wrapped, AsnEncodingRules.DER).ReadOctetString();
            return KeyMaterial.CreateEd25519(seed, "");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrapped);
            if (seed is not null) CryptographicOperations.ZeroMemory(seed);
        }
    }

    private static SshPrivateKey ParseEncryptedPkcs8(byte[] der, Func<string?>? passphraseProvider)
    {
        byte[] passphrase = OpenSshPrivateKeyFile.PassphraseBytes(passphraseProvider);
        try
        {
            // The algorithm is inside the encrypted part, so try the two the BCL imports; both fail for a wrong passphrase.
            using (RSA rsa = RSA.Create())
            {
                try
                {
                    rsa.ImportEncryptedPkcs8PrivateKey(passphrase, der, out int read);
                    if (read == der.Length) return FromRsa(rsa);
                }
                catch (CryptographicException)
                {
                    // not RSA, or wrong passphrase
                }
            }
            using (ECDsa ecdsa = ECDsa.Create())
            {
                try
                {
                    ecdsa.ImportEncryptedPkcs8PrivateKey(passphrase, der, out int read);
                    if (read == der.Length) return FromEcdsa(ecdsa);
                }
                catch (CryptographicException e)
                {
                    throw SshKeyFileException.IncorrectPassphrase(e);
                }
                catch (PlatformNotSupportedException e)
                {
                    throw UnsupportedCurve(e);
                }
            }
            throw SshKeyFileException.InvalidFormat("trailing data after the key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }

    // OpenSSL's PEM_read_bio_PrivateKey legacy encryption: key = EVP_BytesToKey(cipher, MD5, salt = IV[0..8], passphrase, 1).
    private static byte[] DecryptLegacy(PemArmor pem, Func<string?>? passphraseProvider)
    {
        if (!pem.Headers.TryGetValue(KeyFileNames.DekInfoHeader, out string? dekInfo)) throw SshKeyFileException.InvalidFormat("encrypted PEM without DEK-Info");
        string[] parts = dekInfo.Split(',', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2) throw SshKeyFileException.InvalidFormat("bad DEK-Info");
        string cipherName = parts[0].ToUpperInvariant();
        (int keyLength, int blockSize) = cipherName switch
        {
            KeyFileNames.PemAes128Cbc => (16, 16),
            KeyFileNames.PemAes192Cbc => (24, 16),
            KeyFileNames.PemAes256Cbc => (32, 16),
            KeyFileNames.PemDesEde3Cbc => (24, 8),
            _ => throw new SshKeyFileException(SshKeyFileError.UnsupportedCipher, "unsupported cipher " + parts[0]),
        };
        byte[] iv;
        try
        {
            iv = Convert.FromHexString(parts[1]);
        }
        catch (FormatException e)
        {
            throw SshKeyFileException.InvalidFormat("bad IV in DEK-Info", e);
        }
        if (iv.Length != blockSize) throw SshKeyFileException.InvalidFormat("bad IV length in DEK-Info");
        if (pem.Data.Length == 0 || pem.Data.Length % blockSize != 0) throw SshKeyFileException.InvalidFormat("encrypted PEM length is not a multiple of the block size");

        byte[] passphrase = OpenSshPrivateKeyFile.PassphraseBytes(passphraseProvider);
        byte[] key = new byte[keyLength];
        try
        {
            EvpBytesToKeyMd5(passphrase, iv.AsSpan(0, 8), key);
            using SymmetricAlgorithm cipher = blockSize == 16 ? Aes.Create() : TripleDES.Create();
            cipher.SetKey(key);
            try
            {
                return cipher.DecryptCbc(pem.Data, iv, PaddingMode.PKCS7);
            }
            catch (CryptographicException e)
            {
                throw SshKeyFileException.IncorrectPassphrase(e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>OpenSSL EVP_BytesToKey with MD5 and one iteration: D_i = MD5(D_(i-1) || passphrase || salt), concatenated.</summary>
    internal static void EvpBytesToKeyMd5(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, Span<byte> key)
    {
        Span<byte> digest = stackalloc byte[MD5.HashSizeInBytes];
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        bool first = true;
        int offset = 0;
        while (offset < key.Length)
        {
            if (!first) md5.AppendData(digest);
            md5.AppendData(passphrase);
            md5.AppendData(salt);
            md5.GetHashAndReset(digest);
            first = false;
            int take = Math.Min(digest.Length, key.Length - offset);
            digest[..take].CopyTo(key[offset..]);
            offset += take;
        }
        CryptographicOperations.ZeroMemory(digest);
    }

    private static SshPrivateKey FromRsa(RSA rsa)
    {
        RSAParameters parameters = rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            return KeyMaterial.CreateRsa(parameters, "");
        }
        finally
        {
            KeyMaterial.WipePrivate(parameters);
        }
    }

    private static SshPrivateKey FromEcdsa(ECDsa ecdsa)
    {
        ECParameters parameters = ecdsa.ExportParameters(includePrivateParameters: true);
        try
        {
            return KeyMaterial.CreateEcdsa(parameters, "");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }
}
