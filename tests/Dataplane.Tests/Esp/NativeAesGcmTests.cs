using System.Security.Cryptography;
using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>
/// The EVP-direct AES-GCM (<see cref="NativeAesGcm"/>) the ESP transform uses: the GCM specification's test case 4
/// (AAD, partial block), agreement with .NET's <see cref="AesGcm"/> over many lengths with one context reused, and a
/// damaged tag, text or AAD refused with the text cleared.
/// </summary>
public sealed class NativeAesGcmTests
{
    [Fact]
    public void Gcm_spec_case_4_in_place()
    {
        using var gcm = NativeAesGcm.TryCreate(Hex.Bytes("feffe9928665731c6d6a8f9467308308"));
        Assert.NotNull(gcm);
        var plaintext = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
        var buffer = Hex.Bytes(plaintext);
        var tag = new byte[16];
        var (nonce, aad) = (Hex.Bytes("cafebabefacedbaddecaf888"), Hex.Bytes("feedfacedeadbeeffeedfacedeadbeefabaddad2"));
        Assert.True(gcm.Encrypt(nonce, buffer, tag, aad));
        Assert.Equal("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091", Hex.Of(buffer));
        Assert.Equal("5bc94fbc3221a5db94fae95ae7121a47", Hex.Of(tag));
        Assert.True(gcm.Decrypt(nonce, buffer, tag, aad));
        Assert.Equal(plaintext, Hex.Of(buffer));
    }

    [Fact]
    public void Agrees_with_dotnet_aes_gcm_at_every_length_and_refuses_damage()
    {
        var random = new Random(9);
        var key = new byte[16];
        random.NextBytes(key);
        using var native = NativeAesGcm.TryCreate(key);
        using var reference = new AesGcm(key, 16);
        Assert.NotNull(native);
        for (var length = 0; length <= 1500; length += length < 40 ? 1 : 37)
        {
            var (nonce, aad, text) = (new byte[12], new byte[12], new byte[length]);
            random.NextBytes(nonce);
            random.NextBytes(aad);
            random.NextBytes(text);
            var (expected, expectedTag, ours, tag) = (new byte[length], new byte[16], (byte[])text.Clone(), new byte[16]);
            reference.Encrypt(nonce, text, expected, expectedTag, aad);
            Assert.True(native.Encrypt(nonce, ours, tag, aad));
            Assert.Equal(expected, ours);
            Assert.Equal(expectedTag, tag);

            var damaged = (byte[])ours.Clone();
            if (length > 0) damaged[random.Next(length)] ^= 0x01;
            else tag[0] ^= 0x01;
            Assert.False(native.Decrypt(nonce, damaged, tag, aad));
            Assert.All(damaged, b => Assert.Equal(0, b));
            if (length == 0) tag[0] ^= 0x01;
            aad[0] ^= 0x80;
            Assert.False(native.Decrypt(nonce, (byte[])ours.Clone(), tag, aad));
            aad[0] ^= 0x80;
            Assert.True(native.Decrypt(nonce, ours, tag, aad));
            Assert.Equal(text, ours);
        }
    }
}
