using System.Runtime.InteropServices;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>
/// The few OpenSSL ≥ 3.0 libcrypto entry points used for chacha20-poly1305@openssh.com, resolved at run time with
/// <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/> and <see cref="NativeLibrary.TryGetExport"/> into unmanaged function
/// pointers (no DllImport resolver, which an assembly may register only once). Loaded on Linux and FreeBSD only: on macOS
/// the system libcrypto is LibreSSL and aborts the process when loaded directly, and Windows has none.
/// <see cref="IsLoaded"/> is false when the library or any symbol (notably EVP_MAC_*, absent from OpenSSL 1.1) is missing.
/// </summary>
internal static unsafe class LibCrypto
{
    private static readonly string[] s_candidates = ["libcrypto.so.3", "libcrypto.so", "libcrypto.so.1.1"];

#pragma warning disable CA1802, IDE1006 // function pointers cannot be const; names mirror the C symbols
    internal static readonly delegate* unmanaged<nint> EVP_CIPHER_CTX_new;
    internal static readonly delegate* unmanaged<nint, void> EVP_CIPHER_CTX_free;
    internal static readonly delegate* unmanaged<nint> EVP_chacha20;
    internal static readonly delegate* unmanaged<nint, nint, nint, byte*, byte*, int> EVP_EncryptInit_ex;
    internal static readonly delegate* unmanaged<nint, byte*, int*, byte*, int, int> EVP_EncryptUpdate;
    internal static readonly delegate* unmanaged<nint, byte*, byte*, nint> EVP_MAC_fetch;
    internal static readonly delegate* unmanaged<nint, nint> EVP_MAC_CTX_new;
    internal static readonly delegate* unmanaged<nint, void> EVP_MAC_CTX_free;
    internal static readonly delegate* unmanaged<nint, byte*, nuint, nint, int> EVP_MAC_init;
    internal static readonly delegate* unmanaged<nint, byte*, nuint, int> EVP_MAC_update;
    internal static readonly delegate* unmanaged<nint, byte*, nuint*, nuint, int> EVP_MAC_final;
#pragma warning restore CA1802, IDE1006

    /// <summary>The process-wide EVP_MAC for "POLY1305" (never freed), or 0.</summary>
    internal static readonly nint Poly1305Mac;

    /// <summary>The EVP_CIPHER for ChaCha20 (static in libcrypto), or 0.</summary>
    internal static readonly nint ChaCha20Cipher;

#pragma warning disable CA1810 // the symbols must be resolved together, in order, which field initialisers cannot express
    static LibCrypto()
#pragma warning restore CA1810
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())) return;
        foreach (string name in s_candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint library)) continue;
            if (!TryGet(library, "EVP_CIPHER_CTX_new", out nint cipherCtxNew)
                || !TryGet(library, "EVP_CIPHER_CTX_free", out nint cipherCtxFree)
                || !TryGet(library, "EVP_chacha20", out nint chacha20)
                || !TryGet(library, "EVP_EncryptInit_ex", out nint encryptInit)
                || !TryGet(library, "EVP_EncryptUpdate", out nint encryptUpdate)
                || !TryGet(library, "EVP_MAC_fetch", out nint macFetch)
                || !TryGet(library, "EVP_MAC_CTX_new", out nint macCtxNew)
                || !TryGet(library, "EVP_MAC_CTX_free", out nint macCtxFree)
                || !TryGet(library, "EVP_MAC_init", out nint macInit)
                || !TryGet(library, "EVP_MAC_update", out nint macUpdate)
                || !TryGet(library, "EVP_MAC_final", out nint macFinal))
            {
                continue;
            }

            EVP_CIPHER_CTX_new = (delegate* unmanaged<nint>)cipherCtxNew;
            EVP_CIPHER_CTX_free = (delegate* unmanaged<nint, void>)cipherCtxFree;
            EVP_chacha20 = (delegate* unmanaged<nint>)chacha20;
            EVP_EncryptInit_ex = (delegate* unmanaged<nint, nint, nint, byte*, byte*, int>)encryptInit;
            EVP_EncryptUpdate = (delegate* unmanaged<nint, byte*, int*, byte*, int, int>)encryptUpdate;
            EVP_MAC_fetch = (delegate* unmanaged<nint, byte*, byte*, nint>)macFetch;
            EVP_MAC_CTX_new = (delegate* unmanaged<nint, nint>)macCtxNew;
            EVP_MAC_CTX_free = (delegate* unmanaged<nint, void>)macCtxFree;
            EVP_MAC_init = (delegate* unmanaged<nint, byte*, nuint, nint, int>)macInit;
            EVP_MAC_update = (delegate* unmanaged<nint, byte*, nuint, int>)macUpdate;
            EVP_MAC_final = (delegate* unmanaged<nint, byte*, nuint*, nuint, int>)macFinal;

            ChaCha20Cipher = EVP_chacha20();
            fixed (byte* algorithm = "POLY1305\0"u8)
            {
                Poly1305Mac = EVP_MAC_fetch(0, algorithm, null);
            }

            if (ChaCha20Cipher != 0 && Poly1305Mac != 0) return;
            ChaCha20Cipher = 0;
            Poly1305Mac = 0;
        }
    }

    /// <summary>True when a libcrypto with every needed symbol, ChaCha20 and POLY1305 was found.</summary>
    public static bool IsLoaded => ChaCha20Cipher != 0 && Poly1305Mac != 0;

    private static bool TryGet(nint library, string name, out nint address) => NativeLibrary.TryGetExport(library, name, out address) && address != 0;
}
