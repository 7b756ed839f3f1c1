namespace VnetReconciler.Dataplane.Tests.Esp;

internal static class Hex
{
    /// <summary>Bytes from hex text, ignoring whitespace (fixtures are copied from the SPEC and RFCs with their spacing).</summary>
    public static byte[] Bytes(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] Range(int from, int count) => Enumerable.Range(from, count).Select(i => (byte)i).ToArray();
}
