using System.Globalization;

namespace VnetReconciler.Schema.Model;

/// <summary>
/// A MAC address as written in the desired state (<c>aa:00:00:11:00:12</c>): six hex octets separated by ':'.
/// The schema's own small type (Schema never references Dataplane); the Reconciler maps it via <see cref="Value"/>.
/// </summary>
public readonly record struct Mac
{
    private Mac(ulong value) => Value = value;

    /// <summary>The 48 bits, first octet most significant.</summary>
    public ulong Value { get; }

    public static Mac FromValue(ulong value) => new(value & 0xFFFF_FFFF_FFFFUL);

    /// <summary>Group bit of the first octet (IEEE 802-2014 §8.2): not a station address.</summary>
    public bool IsMulticast => ((Value >> 40) & 1) != 0;

    public static bool TryParse(ReadOnlySpan<char> text, out Mac mac)
    {
        mac = default;
        if (text.Length != 17) return false;
        ulong v = 0;
        for (var i = 0; i < 6; i++)
        {
            var at = i * 3;
            if (i > 0 && text[at - 1] != ':') return false;
            if (!byte.TryParse(text.Slice(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) return false;
            v = (v << 8) | b;
        }
        mac = new Mac(v);
        return true;
    }

    public static Mac Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (aa:bb:cc:dd:ee:ff)");

    public override string ToString() => string.Create(17, Value, static (span, v) =>
    {
        for (var i = 0; i < 6; i++)
        {
            ((byte)(v >> (8 * (5 - i)))).TryFormat(span[(i * 3)..], out _, "x2", CultureInfo.InvariantCulture);
            if (i < 5) span[i * 3 + 2] = ':';
        }
    });
}
