using VnetReconciler.Reconciler.Editing;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Editing;

public sealed class SxpFormRemovalTests
{
    private static string? Remove(string text, int line, int column, out string? error) =>
        SxpFormRemoval.Remove(text, new SourceSpan("vnets/x.sxp", line, column), out error);

    [Theory]
    [InlineData("(a (id 1))\n(b (id 2))\n", 1, 1, "(b (id 2))\n")]
    [InlineData("(a (id 1))\n(b (id 2))\n", 2, 1, "(a (id 1))\n")]
    [InlineData("# head\n  (a (s \")(\") # ) in a comment\n   (t 'x\\'('))\n(b)\n", 2, 3, "# head\n(b)\n")]
    [InlineData("(a (n x#y)) (b)\n", 1, 1, " (b)\n")]
    [InlineData("(a) (b (c \"q\"))  # tail\n(d)", 1, 5, "(a)   # tail\n(d)")]
    [InlineData("(a)\r\n(b)\r\n", 1, 1, "(b)\r\n")]
    public void CutsOutExactlyTheFormAndItsOwnLines(string text, int line, int column, string expected)
    {
        Assert.Equal(expected, Remove(text, line, column, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("(a)\n(b)\n", 1, 2)]
    [InlineData("(a)\n(b)\n", 3, 1)]
    [InlineData("(a (b)\n", 1, 1)]
    public void RefusesWhenNoWholeFormStartsThere(string text, int line, int column)
    {
        Assert.Null(Remove(text, line, column, out var error));
        Assert.NotNull(error);
    }
}
