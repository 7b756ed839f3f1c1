using System.Buffers.Binary;

namespace VnetReconciler.Dataplane;

/// <summary>
/// A vnet id as the wire carries it: 128 bits, big-endian on the wire (SPEC §4.1 etherip header, §4.2 VARP,
/// §4.5 handshake). Parsing and printing of the operator's text forms belong to the schema; the reconciler maps
/// one onto the other. VXLAN's VNI is the low 24 bits (SPEC §4.4).
/// </summary>
public readonly record struct VnetKey(UInt128 Value)
{
    public const int Length = 16;

    public static VnetKey Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>True when the id fits a 24-bit VXLAN Network Identifier (RFC 7348 §5).</summary>
    public bool FitsVni => Value <= 0xFF_FFFF;

    public uint Vni => FitsVni ? (uint)Value : throw new InvalidOperationException($"vnet {this} does not fit in 24 bits");

    /// <summary>Canonical form: 8 groups of 4 lower-case hex digits (SPEC §2.1).</summary>
    public override string ToString()
    {
        Span<char> s = stackalloc char[39];
        for (var g = 0; g < 8; g++)
        {
            var group = (ushort)(Value >> (112 - 16 * g));
            group.TryFormat(s[(g * 5)..], out _, "x4");
            if (g < 7) s[g * 5 + 4] = ':';
        }
        return new string(s);
    }
}
