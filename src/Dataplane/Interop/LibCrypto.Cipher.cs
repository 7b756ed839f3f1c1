using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>
/// OpenSSL's EVP cipher interface (openssl/evp.h, libcrypto 3), used straight for ESP's AES-GCM: a context keyed once per
/// SA and given a new nonce per packet. .NET's <c>AesGcm</c> reaches the same code through a shim that clears OpenSSL's
/// error queue at every entry (several times per packet), which costs more than the cipher itself on 1,400-byte packets.
/// </summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";

    /// <summary>openssl/evp.h: EVP_CTRL_AEAD_GET_TAG 0x10, EVP_CTRL_AEAD_SET_TAG 0x11.</summary>
    public const int EVP_CTRL_AEAD_GET_TAG = 0x10, EVP_CTRL_AEAD_SET_TAG = 0x11;

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_new")]
    public static partial nint CipherContextNew();

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_free")]
    public static partial void CipherContextFree(nint context);

    [LibraryImport(Library, EntryPoint = "EVP_aes_128_gcm")]
    public static partial nint Aes128Gcm();

    /// <summary>EVP_CipherInit_ex: cipher and key once (enc 1 or 0); later with cipher and key null, a new IV (enc -1 keeps the direction).</summary>
    [LibraryImport(Library, EntryPoint = "EVP_CipherInit_ex")]
    public static partial int CipherInit(nint context, nint cipher, nint engine, byte* key, byte* iv, int encrypt);

    [LibraryImport(Library, EntryPoint = "EVP_CipherUpdate")]
    public static partial int CipherUpdate(nint context, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Library, EntryPoint = "EVP_CipherFinal_ex")]
    public static partial int CipherFinal(nint context, byte* output, int* outputLength);

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_ctrl")]
    public static partial int CipherControl(nint context, int type, int argument, void* pointer);
}
