using System.Globalization;

namespace VnetReconciler.Schema.Model;

/// <summary>Why a text is not a vnet id (SPEC §2.1).</summary>
public enum VnetIdError
{
    None,
    Empty,
    NotHex,
    ShortTooLong,
    GroupCount,
    GroupTooLong,
    EmptyGroup,
    Zero,
    Reserved,
}

/// <summary>
/// A 128-bit vnet id (SPEC §2.1). Long form: 8 groups of 1-4 hex digits separated by ':'; short form: one group of
/// 1-4 hex digits (the first 7 groups zero). Zero and the reserved id 1 (the physical network) are never vnet ids.
/// Printed canonically as 8 groups of 4 lower-case hex digits.
/// </summary>
public readonly record struct VnetId : IComparable<VnetId>
{
    private VnetId(UInt128 value) => Value = value;

    public UInt128 Value { get; }

    /// <summary>The largest id that a VXLAN VNI can carry (RFC 7348 §5: 24 bits).</summary>
    public static readonly UInt128 MaxVxlan = 0xFF_FFFF;

    /// <summary>The id of <paramref name="value"/>; throws for 0 and the reserved 1.</summary>
    public static VnetId FromValue(UInt128 value) =>
        value > 1 ? new VnetId(value) : throw new ArgumentOutOfRangeException(nameof(value), value, value == 0 ? "vnet id 0 is not allowed" : "vnet id 1 is reserved");

    /// <summary>True when the first 7 groups are zero, so the short form names the id.</summary>
    public bool IsShort => Value <= 0xFFFF;

    /// <summary>The last group in hex without leading zeros (<c>97</c>), the id's name in bridge and key defaults.</summary>
    public string LastGroup => ((ushort)Value).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The short form when <see cref="IsShort"/>, else the canonical long form.</summary>
    public string ShortForm => IsShort ? LastGroup : ToString();

    public override string ToString()
    {
        Span<char> buf = stackalloc char[39];
        for (var g = 0; g < 8; g++)
        {
            var group = (ushort)(Value >> (16 * (7 - g)));
            group.TryFormat(buf[(g * 5)..], out _, "x4", CultureInfo.InvariantCulture);
            if (g < 7) buf[g * 5 + 4] = ':';
        }
        return new string(buf);
    }

    public int CompareTo(VnetId other) => Value.CompareTo(other.Value);

    public static VnetId Parse(string text) =>
        TryParse(text, out var id) is var e && e == VnetIdError.None ? id : throw new FormatException(Describe(e, text));

    /// <summary>Parses the long or short form; the result says what is wrong (see <see cref="Describe"/>).</summary>
    public static VnetIdError TryParse(ReadOnlySpan<char> text, out VnetId id)
    {
        id = default;
        if (text.IsEmpty) return VnetIdError.Empty;
        UInt128 value = 0;
        uint group = 0;
        var groups = 1;
        var digits = 0;
        var hasColon = text.Contains(':');
        foreach (var c in text)
        {
            if (c == ':')
            {
                if (digits == 0) return VnetIdError.EmptyGroup;
                value = (value << 16) | group;
                groups++;
                group = 0;
                digits = 0;
                continue;
            }
            var d = HexValue(c);
            if (d < 0) return VnetIdError.NotHex;
            if (++digits > 4) return hasColon ? VnetIdError.GroupTooLong : VnetIdError.ShortTooLong;
            group = (group << 4) | (uint)d;
        }
        if (digits == 0) return VnetIdError.EmptyGroup;
        value = (value << 16) | group;
        if (groups != 1 && groups != 8) return VnetIdError.GroupCount;
        if (value == 0) return VnetIdError.Zero;
        if (value == 1) return VnetIdError.Reserved;
        id = new VnetId(value);
        return VnetIdError.None;
    }

    /// <summary>A message a person can act on for a failed <see cref="TryParse"/>.</summary>
    public static string Describe(VnetIdError error, string text) => error switch
    {
        VnetIdError.Empty => "vnet id is empty: write 1-4 hex digits (97) or 8 groups of 1-4 hex digits separated by ':'",
        VnetIdError.NotHex => $"vnet id '{text}' is not hexadecimal: '{text.First(c => c != ':' && HexValue(c) < 0)}' is not a hex digit",
        VnetIdError.ShortTooLong => $"vnet id '{text}' has {text.Length} digits: a short id has 1 to 4 hex digits; use the long form (8 groups of 1-4 hex digits separated by ':') for larger ids",
        VnetIdError.GroupCount => $"vnet id '{text}' has {text.Count(c => c == ':') + 1} groups: the long form has exactly 8 groups of 1-4 hex digits separated by ':'",
        VnetIdError.GroupTooLong => $"vnet id '{text}' has a group of more than 4 hex digits",
        VnetIdError.EmptyGroup => $"vnet id '{text}' has an empty group: write every group (no '::' shorthand)",
        VnetIdError.Zero => "vnet id 0 is not allowed: vnet ids are non-zero",
        VnetIdError.Reserved => "vnet id 1 is reserved for the physical network: choose another id",
        _ => $"'{text}' is a valid vnet id",
    };

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
