using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SshTunnel.Errors;
using SshTunnel.Wire;

namespace SshTunnel.Keys.KeyFiles;

/// <summary>
/// OpenSSH's private key format "openssh-key-v1" (OpenSSH PROTOCOL.key): magic, cipher, KDF and its options, the
/// number of keys (must be 1), the public key blob, and the private section (two equal check integers, the key in
/// ssh-agent encoding, a comment, padding 1, 2, 3, ...), encrypted with a key and IV from bcrypt_pbkdf.
/// </summary>
internal static class OpenSshPrivateKeyFile
{
    /// <summary>Most bcrypt_pbkdf rounds accepted (ssh-keygen's default is 16 or 24; each round costs about 8 ms here).</summary>
    public const int MaxBcryptRounds = 1000;

    private const int MaxSaltLength = 1024;

    private static ReadOnlySpan<byte> AuthMagic => "openssh-key-v1\0"u8;

    /// <summary>True when the file's cipher is not "none".</summary>
    /// <exception cref="SshKeyFileException">The data is not an openssh-key-v1 key.</exception>
    public static bool IsEncrypted(ReadOnlySpan<byte> data)
    {
        var header = ReadHeader(data);
        return header.Cipher != KeyFileCipher.None;
    }

    /// <summary>Parses and, when encrypted, decrypts the binary (base64-decoded) content of an OpenSSH private key.</summary>
    /// <param name="data">The bytes between the PEM armor lines, decoded.</param>
    /// <param name="passphraseProvider">Asked for the passphrase only when the key is encrypted; returns null to cancel.</param>
    /// <exception cref="SshKeyFileException">Malformed, unsupported, wrong passphrase, or no passphrase given.</exception>
    public static SshPrivateKey Parse(ReadOnlySpan<byte> data, Func<string?>? passphraseProvider)
    {
        var header = ReadHeader(data);
        KeyFileCipher cipher = header.Cipher;
        bool encrypted = cipher != KeyFileCipher.None;

        byte[] plaintext = new byte[header.Encrypted.Length];
        byte[]? keyAndIv = null;
        try
        {
            if (encrypted)
            {
                keyAndIv = DeriveKeyAndIv(cipher, header.KdfOptions, passphraseProvider);
                try
                {
                    cipher.Decrypt(keyAndIv.AsSpan(0, cipher.KeyLength), keyAndIv.AsSpan(cipher.KeyLength, cipher.IvLength),
                        header.Encrypted, header.Tag, plaintext);
                }
                catch (AuthenticationTagMismatchException e)
                {
                    throw SshKeyFileException.IncorrectPassphrase(e);
                }
            }
            else
            {
                header.Encrypted.CopyTo(plaintext);
            }
            return ParsePrivateSection(plaintext, header.PublicKey, encrypted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            if (keyAndIv is not null) CryptographicOperations.ZeroMemory(keyAndIv);
        }
    }

    /// <summary>
    /// Writes <paramref name="key"/> as an unencrypted openssh-key-v1 file (cipher and KDF "none", block size 8),
    /// byte for byte as ssh-keygen does (base64 wrapped at 70 columns), with a random check integer.
    /// </summary>
    /// <exception cref="ArgumentException">The key cannot export its private fields (e.g. an agent key).</exception>
    public static string FormatUnencrypted(SshPrivateKey key, string comment) =>
        FormatUnencrypted(key, comment, BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4)));

    /// <summary>As <see cref="FormatUnencrypted(SshPrivateKey, string)"/> with a given check integer (for tests).</summary>
    internal static string FormatUnencrypted(SshPrivateKey key, string comment, uint checkInt)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(comment);
        if (key is not IOpenSshPrivateKeyFields fields) throw new ArgumentException("this key cannot export its private fields", nameof(key));

        // Sized so that no key this library accepts (RSA up to 16384 bits) makes the writers grow: a grown writer
        // would return a buffer holding secrets to the pool before we could wipe it.
        const int Capacity = 16384 + 1024;
        var section = new SshWriter(Capacity + Encoding.UTF8.GetMaxByteCount(comment.Length));
        var file = new SshWriter(2 * Capacity + Encoding.UTF8.GetMaxByteCount(comment.Length));
        try
        {
            section.WriteUInt32(checkInt);
            section.WriteUInt32(checkInt);
            section.WriteString(key.PublicKey.KeyType);
            fields.WriteOpenSshPrivateFields(ref section);
            section.WriteString(comment);
            for (byte pad = 1; section.Length % KeyFileCipher.None.BlockSize != 0; pad++) section.WriteByte(pad);

            file.WriteBytes(AuthMagic);
            file.WriteString(KeyFileNames.CipherNone);
            file.WriteString(KeyFileNames.KdfNone);
            file.WriteString(ReadOnlySpan<byte>.Empty);
            file.WriteUInt32(1);
            file.WriteString(key.PublicKey.Blob.Span);
            file.WriteString(section.WrittenSpan);
            return Armor(file.WrittenSpan);
        }
        finally
        {
            Wipe(section.WrittenSpan);
            Wipe(file.WrittenSpan);
            section.Dispose();
            file.Dispose();
        }
    }

    private static string Armor(ReadOnlySpan<byte> data)
    {
        const int LineLength = 70; // ssh-keygen's wrap
        string base64 = Convert.ToBase64String(data);
        var text = new StringBuilder(base64.Length + base64.Length / LineLength + 80);
        text.Append("-----BEGIN ").Append(KeyFileNames.OpenSshLabel).Append("-----\n");
        for (int i = 0; i < base64.Length; i += LineLength)
        {
            text.Append(base64.AsSpan(i, Math.Min(LineLength, base64.Length - i))).Append('\n');
        }
        text.Append("-----END ").Append(KeyFileNames.OpenSshLabel).Append("-----\n");
        return text.ToString();
    }

    private static void Wipe(ReadOnlySpan<byte> written) =>
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(written), written.Length));

    private ref struct Header
    {
        public KeyFileCipher Cipher;
        public ReadOnlySpan<byte> KdfOptions;
        public ReadOnlySpan<byte> PublicKey;
        public ReadOnlySpan<byte> Encrypted;
        public ReadOnlySpan<byte> Tag;
    }

    private static Header ReadHeader(ReadOnlySpan<byte> data)
    {
        if (!data.StartsWith(AuthMagic)) throw SshKeyFileException.InvalidFormat("missing openssh-key-v1 magic");
        try
        {
            var reader = new SshReader(data[AuthMagic.Length..]);
            string cipherName = reader.ReadAsciiString();
            string kdfName = reader.ReadAsciiString();
            ReadOnlySpan<byte> kdfOptions = reader.ReadStringBytes();
            uint keyCount = reader.ReadUInt32();
            if (keyCount != 1) throw SshKeyFileException.InvalidFormat($"{keyCount} keys in one file (expected 1)");
            ReadOnlySpan<byte> publicKey = reader.ReadStringBytes();
            ReadOnlySpan<byte> encrypted = reader.ReadStringBytes();

            KeyFileCipher cipher = KeyFileCipher.Find(cipherName)
                ?? throw new SshKeyFileException(SshKeyFileError.UnsupportedCipher, "unsupported cipher " + cipherName);
            if (cipher == KeyFileCipher.None)
            {
                if (kdfName != KeyFileNames.KdfNone || kdfOptions.Length != 0) throw SshKeyFileException.InvalidFormat("KDF set on an unencrypted key");
            }
            else if (kdfName != KeyFileNames.KdfBcrypt)
            {
                if (kdfName == KeyFileNames.KdfNone) throw SshKeyFileException.InvalidFormat("encrypted key without a KDF");
                throw new SshKeyFileException(SshKeyFileError.UnsupportedKdf, "unsupported KDF " + kdfName);
            }
            if (encrypted.Length == 0 || encrypted.Length % cipher.BlockSize != 0)
            {
                throw SshKeyFileException.InvalidFormat("private section length is not a multiple of the cipher block size");
            }
            ReadOnlySpan<byte> tag = reader.ReadBytes(cipher.TagLength);
            reader.ReadEnd();
            return new Header { Cipher = cipher, KdfOptions = kdfOptions, PublicKey = publicKey, Encrypted = encrypted, Tag = tag };
        }
        catch (SshProtocolException e)
        {
            throw SshKeyFileException.InvalidFormat(e.Message, e);
        }
    }

    private static byte[] DeriveKeyAndIv(KeyFileCipher cipher, ReadOnlySpan<byte> kdfOptions, Func<string?>? passphraseProvider)
    {
        ReadOnlySpan<byte> salt;
        uint rounds;
        try
        {
            var reader = new SshReader(kdfOptions);
            salt = reader.ReadStringBytes();
            rounds = reader.ReadUInt32();
            reader.ReadEnd();
        }
        catch (SshProtocolException e)
        {
            throw SshKeyFileException.InvalidFormat("bad bcrypt options: " + e.Message, e);
        }
        if (salt.Length is 0 or > MaxSaltLength) throw SshKeyFileException.InvalidFormat($"bcrypt salt length {salt.Length} out of range");
        if (rounds is 0 or > MaxBcryptRounds) throw SshKeyFileException.InvalidFormat($"bcrypt rounds {rounds} out of range (1 to {MaxBcryptRounds})");

        byte[] passphrase = PassphraseBytes(passphraseProvider);
        byte[] keyAndIv = new byte[cipher.KeyLength + cipher.IvLength];
        try
        {
            if (passphrase.Length == 0) throw SshKeyFileException.IncorrectPassphrase();
            BcryptPbkdf.DeriveKey(passphrase, salt, (int)rounds, keyAndIv);
            return keyAndIv;
        }
        catch
        {
            CryptographicOperations.ZeroMemory(keyAndIv);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }

    /// <summary>Asks the provider and returns the passphrase as UTF-8 (the caller wipes it).</summary>
    internal static byte[] PassphraseBytes(Func<string?>? passphraseProvider)
    {
        if (passphraseProvider is null)
        {
            throw new SshKeyFileException(SshKeyFileError.PassphraseRequired, "private key is encrypted and no passphrase was supplied");
        }
        string passphrase = passphraseProvider()
            ?? throw new SshKeyFileException(SshKeyFileError.PassphraseCancelled, "passphrase entry cancelled");
        return Encoding.UTF8.GetBytes(passphrase);
    }

    private static SshPrivateKey ParsePrivateSection(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> publicBlob, bool encrypted)
    {
        if (plaintext.Length < 8) throw SshKeyFileException.InvalidFormat("private section too short");
        uint check1 = BinaryPrimitives.ReadUInt32BigEndian(plaintext);
        uint check2 = BinaryPrimitives.ReadUInt32BigEndian(plaintext[4..]);
        if (check1 != check2)
        {
            throw encrypted ? SshKeyFileException.IncorrectPassphrase() : SshKeyFileException.InvalidFormat("check integers differ");
        }

        SshPrivateKey key;
        try
        {
            string publicType = new SshReader(publicBlob).ReadAsciiString();
            var reader = new SshReader(plaintext[8..]);
            string keyType = reader.ReadAsciiString();
            if (keyType != publicType) throw SshKeyFileException.InvalidFormat($"private key type {keyType} does not match public key type {publicType}");
            PrivateFields fields = ReadPrivateFields(ref reader, keyType);
            string comment = DecodeComment(reader.ReadStringBytes());
            CheckPadding(reader.RemainingSpan);
            key = fields.Create(comment);
        }
        catch (SshProtocolException e)
        {
            throw SshKeyFileException.InvalidFormat(e.Message, e);
        }

        if (!key.PublicKey.Blob.Span.SequenceEqual(publicBlob))
        {
            key.Dispose();
            throw SshKeyFileException.InvalidFormat("public key does not match the private key");
        }
        return key;
    }

    /// <summary>The private key fields in ssh-agent encoding (views into the decrypted section).</summary>
    private ref struct PrivateFields
    {
        public string KeyType;
        public ReadOnlySpan<byte> F0, F1, F2, F3, F4, F5;

        public readonly SshPrivateKey Create(string comment)
        {
            if (KeyType == KeyFileNames.SshEd25519) return KeyMaterial.CreateEd25519(F1[..32], comment);
            if (KeyType == KeyFileNames.SshRsa) return KeyMaterial.CreateRsa(F0, F1, F2, F3, F4, F5, comment);
            var (curve, _, fieldLength) = KeyMaterial.EcdsaCurveForKeyType(KeyType)!.Value;
            var parameters = new ECParameters
            {
                Curve = curve,
                Q = new ECPoint { X = F1.Slice(1, fieldLength).ToArray(), Y = F1.Slice(1 + fieldLength, fieldLength).ToArray() },
                D = KeyMaterial.PadLeft(F2, fieldLength),
            };
            try
            {
                return KeyMaterial.CreateEcdsa(parameters, comment);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }
    }

    // sshkey_private_deserialize: ed25519 = string pk, string sk (seed || pk); ecdsa = string curve, string Q, mpint d;
    // rsa = mpint n, e, d, iqmp, p, q.
    private static PrivateFields ReadPrivateFields(ref SshReader reader, string keyType)
    {
        var fields = new PrivateFields { KeyType = keyType };
        if (keyType == KeyFileNames.SshEd25519)
        {
            fields.F0 = reader.ReadStringBytes();
            fields.F1 = reader.ReadStringBytes();
            if (fields.F0.Length != 32 || fields.F1.Length != 64) throw SshKeyFileException.InvalidFormat("bad ed25519 key lengths");
            if (!fields.F1[32..].SequenceEqual(fields.F0)) throw SshKeyFileException.InvalidFormat("ed25519 private key does not embed its public key");
            return fields;
        }
        if (keyType == KeyFileNames.SshRsa)
        {
            fields.F0 = reader.ReadUnsignedMPIntBytes();
            fields.F1 = reader.ReadUnsignedMPIntBytes();
            fields.F2 = reader.ReadUnsignedMPIntBytes();
            fields.F3 = reader.ReadUnsignedMPIntBytes();
            fields.F4 = reader.ReadUnsignedMPIntBytes();
            fields.F5 = reader.ReadUnsignedMPIntBytes();
            return fields;
        }
        if (KeyMaterial.EcdsaCurveForKeyType(keyType) is var (_, curveName, fieldLength))
        {
            fields.F0 = reader.ReadStringBytes();
            if (!fields.F0.SequenceEqual(Encoding.ASCII.GetBytes(curveName))) throw SshKeyFileException.InvalidFormat("ECDSA curve does not match the key type");
            fields.F1 = reader.ReadStringBytes();
            if (fields.F1.Length != 1 + 2 * fieldLength || fields.F1[0] != 4) throw SshKeyFileException.InvalidFormat("bad ECDSA public point");
            fields.F2 = reader.ReadUnsignedMPIntBytes();
            return fields;
        }
        throw new SshKeyFileException(SshKeyFileError.UnsupportedKeyType, "unsupported key type " + keyType);
    }

    private static void CheckPadding(ReadOnlySpan<byte> padding)
    {
        for (int i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1)) throw SshKeyFileException.InvalidFormat("bad padding in private section");
        }
    }

    /// <summary>Comments are free text; bytes that are not UTF-8 become U+FFFD rather than failing the load.</summary>
    private static string DecodeComment(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
