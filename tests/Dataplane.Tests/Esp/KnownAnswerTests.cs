using System.Security.Cryptography;
using System.Text;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>
/// Published vectors for the primitives the ESP code is built from, run through the same System.Security.Cryptography
/// calls it makes (OpenSSL underneath): HMAC-SHA-256 (RFC 4231), HMAC-SHA-1 (RFC 2202), HKDF (RFC 5869), AES-GCM (the
/// GCM specification's test cases 3 and 4) and AES-CBC (RFC 3602 cases 1 and 2), one-shot and in place.
/// </summary>
public sealed class KnownAnswerTests
{
    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")] // RFC 4231 4.2
    [InlineData("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")] // 4.3
    public void Hmac_sha256_rfc4231(string key, string data, string mac) =>
        Assert.Equal(mac, Incremental(HashAlgorithmName.SHA256, Hex.Bytes(key), Hex.Bytes(data)));

    [Fact]
    public void Hmac_sha256_128_truncation_rfc4231_case5() =>
        Assert.Equal("a3b6167473100ee06e0c796c2955552b",
            Incremental(HashAlgorithmName.SHA256, Enumerable.Repeat((byte)0x0c, 20).ToArray(), Encoding.ASCII.GetBytes("Test With Truncation"))[..32]);

    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b617318655057264e28bc0b6fb378c8ef146be00")] // RFC 2202 case 1
    [InlineData("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")] // case 2
    public void Hmac_sha1_rfc2202(string key, string data, string mac) =>
        Assert.Equal(mac, Incremental(HashAlgorithmName.SHA1, Hex.Bytes(key), Hex.Bytes(data)));

    [Fact]
    public void Hkdf_sha256_rfc5869_case1()
    {
        var okm = new byte[42];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Enumerable.Repeat((byte)0x0b, 22).ToArray(), okm,
            Hex.Bytes("000102030405060708090a0b0c"), Hex.Bytes("f0f1f2f3f4f5f6f7f8f9"));
        Assert.Equal("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", Hex.Of(okm));
    }

    [Theory]
    // The Galois/Counter Mode specification (McGrew, Viega), test cases 3 (no AAD) and 4 (AAD, partial block).
    [InlineData("feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255", "",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        "4d5c2af327cd64a62cf35abd2ba6fab4")]
    [InlineData("feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47")]
    public void Aes_gcm_spec_vectors_in_place(string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        using var gcm = new AesGcm(Hex.Bytes(key), 16);
        var buffer = Hex.Bytes(plaintext);
        var icv = new byte[16];
        gcm.Encrypt(Hex.Bytes(iv), buffer, buffer, icv, Hex.Bytes(aad));
        Assert.Equal(ciphertext, Hex.Of(buffer));
        Assert.Equal(tag, Hex.Of(icv));
        gcm.Decrypt(Hex.Bytes(iv), buffer, icv, buffer, Hex.Bytes(aad));
        Assert.Equal(plaintext, Hex.Of(buffer));
    }

    [Theory]
    [InlineData("06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41", "53696e676c6520626c6f636b206d7367", "e353779c1079aeb82708942dbe77181a")] // RFC 3602 case 1
    [InlineData("c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1")] // case 2
    public void Aes_cbc_rfc3602_in_place(string key, string iv, string plaintext, string ciphertext)
    {
        using var aes = Aes.Create();
        aes.Key = Hex.Bytes(key);
        var buffer = Hex.Bytes(plaintext);
        aes.EncryptCbc(buffer, Hex.Bytes(iv), buffer, PaddingMode.None);
        Assert.Equal(ciphertext, Hex.Of(buffer));
        aes.DecryptCbc(buffer, Hex.Bytes(iv), buffer, PaddingMode.None);
        Assert.Equal(plaintext, Hex.Of(buffer));
    }

    private static string Incremental(HashAlgorithmName hash, byte[] key, byte[] data)
    {
        using var hmac = IncrementalHash.CreateHMAC(hash, key);
        hmac.AppendData(data);
        return Hex.Of(hmac.GetHashAndReset());
    }
}
