using System.Security.Cryptography;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// One epoch's secret from a key file (SPEC §4.5): the HKDF input key material. Held in a byte array that
/// <see cref="Dispose"/> zeroes; <see cref="ToString"/> names the epoch and length only.
/// </summary>
public sealed class KeySecret : IDisposable
{
    public const int MinimumLength = 32;

    private readonly byte[] _secret;

    internal KeySecret(byte epoch, byte[] secret)
    {
        Epoch = epoch;
        _secret = secret;
    }

    public byte Epoch { get; }

    /// <summary>The secret's bytes; valid until the key set that holds it is replaced (after a re-read) or disposed.</summary>
    public ReadOnlySpan<byte> Bytes => _secret;

    public int Length => _secret.Length;

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);

    public override string ToString() => $"epoch {Epoch} ({_secret.Length} bytes)";
}

/// <summary>A key file's epochs (SPEC §4.5), highest first when offered. Disposing zeroes every secret.</summary>
public sealed class KeySet : IDisposable
{
    private readonly SortedDictionary<byte, KeySecret> _epochs;

    internal KeySet(string name, string path, SortedDictionary<byte, KeySecret> epochs)
    {
        Name = name;
        Path = path;
        _epochs = epochs;
    }

    /// <summary>The key name (SPEC §2.1 <c>key</c>).</summary>
    public string Name { get; }

    public string Path { get; }

    /// <summary>The epochs present, ascending.</summary>
    public IReadOnlyCollection<byte> Epochs => _epochs.Keys;

    /// <summary>The highest epoch (the one an initiator offers first), or 0 when the file holds none.</summary>
    public byte HighestEpoch => _epochs.Count == 0 ? (byte)0 : _epochs.Keys.Max();

    public bool TryGet(byte epoch, out KeySecret secret) => _epochs.TryGetValue(epoch, out secret!);

    /// <summary>The highest epoch below <paramref name="epoch"/>, or 0 when there is none.</summary>
    public byte NextLower(byte epoch)
    {
        byte best = 0;
        foreach (var e in _epochs.Keys) if (e < epoch && e > best) best = e;
        return best;
    }

    /// <summary>True when both sets hold the same epochs with the same secrets (compared in constant time).</summary>
    public bool SameSecrets(KeySet other)
    {
        if (_epochs.Count != other._epochs.Count) return false;
        foreach (var (epoch, secret) in _epochs)
        {
            if (!other._epochs.TryGetValue(epoch, out var theirs) ||
                !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(secret.Bytes, theirs.Bytes)) return false;
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var secret in _epochs.Values) secret.Dispose();
    }

    public override string ToString() => $"key {Name} ({Path}): epochs {string.Join(",", _epochs.Keys)}";
}
