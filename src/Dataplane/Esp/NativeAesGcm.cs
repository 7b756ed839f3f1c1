using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// AES-128-GCM on OpenSSL's EVP contexts directly (<see cref="LibCrypto"/>): one encrypting and one decrypting context,
/// keyed once; per packet only the 12-byte nonce is set, then AAD, text (in place) and tag. Same results as
/// <see cref="System.Security.Cryptography.AesGcm"/> with a 12-byte nonce and 16-byte tag. Not thread-safe (the
/// contexts carry state; the SA serializes calls). <see cref="TryCreate"/> returns null where libcrypto 3 cannot be
/// loaded, and the caller keeps .NET's implementation.
/// </summary>
internal sealed unsafe class NativeAesGcm : IDisposable
{
    private const int NonceLength = 12, TagLength = 16;
    private nint _encrypt, _decrypt;

    private NativeAesGcm(nint encrypt, nint decrypt)
    {
        _encrypt = encrypt;
        _decrypt = decrypt;
    }

    /// <summary>The cipher for a 16-byte key, or null when libcrypto is missing or refuses it.</summary>
    public static NativeAesGcm? TryCreate(ReadOnlySpan<byte> key)
    {
        if (key.Length != 16) return null;
        nint encrypt = 0, decrypt = 0;
        try
        {
            var cipher = LibCrypto.Aes128Gcm();
            encrypt = LibCrypto.CipherContextNew();
            decrypt = LibCrypto.CipherContextNew();
            fixed (byte* k = key)
            {
                if (cipher != 0 && encrypt != 0 && decrypt != 0
                    && LibCrypto.CipherInit(encrypt, cipher, 0, k, null, 1) == 1
                    && LibCrypto.CipherInit(decrypt, cipher, 0, k, null, 0) == 1)
                    return new NativeAesGcm(encrypt, decrypt);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        Free(encrypt);
        Free(decrypt);
        return null;
    }

    /// <summary>
    /// Encrypts <paramref name="text"/> in place and writes the 16-byte tag. False if OpenSSL failed (never seen once the
    /// contexts are keyed): the tag is then zeroed, so the peer drops the packet as not authentic.
    /// </summary>
    public bool Encrypt(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag, ReadOnlySpan<byte> aad)
    {
        ObjectDisposedException.ThrowIf(_encrypt == 0, this);
        if (nonce.Length != NonceLength || tag.Length != TagLength) return false;
        fixed (byte* n = nonce)
        fixed (byte* t = text)
        fixed (byte* g = tag)
        fixed (byte* a = aad)
        {
            int written;
            if (LibCrypto.CipherInit(_encrypt, 0, 0, null, n, -1) == 1
                && LibCrypto.CipherUpdate(_encrypt, null, &written, a, aad.Length) == 1
                && (text.Length == 0 || LibCrypto.CipherUpdate(_encrypt, t, &written, t, text.Length) == 1)
                && LibCrypto.CipherFinal(_encrypt, t + text.Length, &written) == 1 // GCM writes nothing here
                && LibCrypto.CipherControl(_encrypt, LibCrypto.EVP_CTRL_AEAD_GET_TAG, TagLength, g) == 1)
                return true;
        }
        tag.Clear();
        return false;
    }

    /// <summary>Verifies <paramref name="tag"/> and decrypts <paramref name="text"/> in place; false when not authentic.</summary>
    public bool Decrypt(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        ObjectDisposedException.ThrowIf(_decrypt == 0, this);
        if (nonce.Length != NonceLength || tag.Length != TagLength) return false;
        fixed (byte* n = nonce)
        fixed (byte* t = text)
        fixed (byte* g = tag)
        fixed (byte* a = aad)
        {
            int written;
            if (LibCrypto.CipherInit(_decrypt, 0, 0, null, n, -1) == 1
                && LibCrypto.CipherUpdate(_decrypt, null, &written, a, aad.Length) == 1
                && (text.Length == 0 || LibCrypto.CipherUpdate(_decrypt, t, &written, t, text.Length) == 1)
                && LibCrypto.CipherControl(_decrypt, LibCrypto.EVP_CTRL_AEAD_SET_TAG, TagLength, g) == 1
                && LibCrypto.CipherFinal(_decrypt, t + text.Length, &written) == 1)
                return true;
        }
        text.Clear(); // a forged or damaged packet: no unauthenticated plaintext stays behind (as AesGcm.Decrypt)
        return false;
    }

    public void Dispose()
    {
        Free(_encrypt);
        Free(_decrypt);
        _encrypt = _decrypt = 0;
    }

    private static void Free(nint context)
    {
        if (context != 0) LibCrypto.CipherContextFree(context);
    }
}
