using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VnetReconciler.Dataplane;

/// <summary>An IEEE 802 MAC address (48 bits), a value type so tables key on it without allocation.</summary>
public readonly record struct MacAddress : ISpanFormattable
{
    public const int Length = 6;
    private readonly ulong _value; // the 48 bits in the low bytes, network order (first octet most significant)

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFFUL);

    public static MacAddress FromUInt64(ulong value) => new(value);

    public ulong ToUInt64() => _value;

    /// <summary>Reads six octets in wire order.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> octets) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(octets) << 32) | BinaryPrimitives.ReadUInt32BigEndian(octets[2..]));

    /// <summary>Writes six octets in wire order.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>Group bit (I/G) of the first octet: broadcast and multicast (IEEE 802-2014 §8.2).</summary>
    public bool IsMulticast => ((_value >> 40) & 0x01) != 0;

    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

    public bool IsZero => _value == 0;

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with <c>-</c>), hex digits in either case.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17) return false;
        ulong v = 0;
        char sep = text[2];
        if (sep != ':' && sep != '-') return false;
        for (var i = 0; i < 6; i++)
        {
            var at = i * 3;
            if (i > 0 && text[at - 1] != sep) return false;
            if (!byte.TryParse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) return false;
            v = (v << 8) | b;
        }
        mac = new MacAddress(v);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (aa:bb:cc:dd:ee:ff)");

    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider) => string.Create(17, _value, static (span, v) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var b = (byte)(v >> (40 - 8 * i));
            b.TryFormat(span[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
            if (i < 5) span[i * 3 + 2] = ':';
        }
    });

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        var s = ToString();
        charsWritten = 0;
        if (!s.AsSpan().TryCopyTo(destination)) return false;
        charsWritten = s.Length;
        return true;
    }
}
