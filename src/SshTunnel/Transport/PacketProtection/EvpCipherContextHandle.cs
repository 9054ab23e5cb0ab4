using System.Runtime.InteropServices;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>Owns an EVP_CIPHER_CTX*; freed (and cleansed by libcrypto) exactly once, after the last in-flight use.</summary>
internal sealed unsafe class EvpCipherContextHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle.</summary>
    public EvpCipherContextHandle() : base(0, ownsHandle: true) { }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>Allocates a new context.</summary>
    /// <exception cref="InvalidOperationException">libcrypto is not loaded or the allocation failed.</exception>
    public static EvpCipherContextHandle Create()
    {
        if (!LibCrypto.IsLoaded) throw new InvalidOperationException("libcrypto is not available.");
        var result = new EvpCipherContextHandle();
        result.SetHandle(LibCrypto.EVP_CIPHER_CTX_new());
        if (result.IsInvalid) throw new InvalidOperationException("EVP_CIPHER_CTX_new failed.");
        return result;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_CIPHER_CTX_free(handle);
        return true;
    }
}
