using System.Runtime.InteropServices;

namespace SshTunnel.Transport.PacketProtection;

/// <summary>Owns an EVP_MAC_CTX*; freed exactly once, after the last in-flight use.</summary>
internal sealed unsafe class EvpMacContextHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle.</summary>
    public EvpMacContextHandle() : base(0, ownsHandle: true) { }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>Allocates a new Poly1305 MAC context.</summary>
    /// <exception cref="InvalidOperationException">libcrypto is not loaded or the allocation failed.</exception>
    public static EvpMacContextHandle CreatePoly1305()
    {
        if (!LibCrypto.IsLoaded) throw new InvalidOperationException("libcrypto is not available.");
        var result = new EvpMacContextHandle();
        result.SetHandle(LibCrypto.EVP_MAC_CTX_new(LibCrypto.Poly1305Mac));
        if (result.IsInvalid) throw new InvalidOperationException("EVP_MAC_CTX_new failed.");
        return result;
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_MAC_CTX_free(handle);
        return true;
    }
}
