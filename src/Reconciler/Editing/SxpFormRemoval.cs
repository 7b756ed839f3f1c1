using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;

namespace VnetReconciler.Reconciler.Editing;

/// <summary>
/// Removes one top-level form from an SXP file and keeps every other byte (comments, layout, the other forms).
/// The form's extent is found by a scan in the reader's lexis (strings with escapes, <c>#</c> comments at the
/// start of a token); the result is read again and must hold exactly the other forms, else nothing is removed.
/// </summary>
public static class SxpFormRemoval
{
    /// <summary>The text without the form that starts at <paramref name="at"/>, or null with the reason.</summary>
    public static string? Remove(string text, SourceSpan at, out string? error)
    {
        var before = SxpReader.Read(text, at.File);
        var index = -1;
        for (var i = 0; i < before.Forms.Count && index < 0; i++)
            if (before.Forms[i].Span.SamePlaceAs(at)) index = i;
        var start = OffsetOf(text, at);
        var end = start < 0 || index < 0 ? -1 : EndOfList(text, start);
        if (end < 0)
        {
            error = $"no form starts at {at}";
            return null;
        }

        // A form on lines of its own goes with its lines; one sharing a line with another form leaves the line.
        var lineStart = start;
        while (lineStart > 0 && text[lineStart - 1] is ' ' or '\t') lineStart--;
        var lineEnd = end;
        while (lineEnd < text.Length && text[lineEnd] is ' ' or '\t' or '\r') lineEnd++;
        if ((lineStart == 0 || text[lineStart - 1] == '\n') && (lineEnd == text.Length || text[lineEnd] == '\n'))
            (start, end) = (lineStart, Math.Min(lineEnd + 1, text.Length));
        var result = string.Concat(text.AsSpan(0, start), text.AsSpan(end));

        var after = SxpReader.Read(result, at.File);
        if (after.HasErrors || !after.Forms.SequenceEqual(before.Forms.Where((_, i) => i != index)))
        {
            error = $"the form at {at} cannot be cut out of {at.File} safely: edit the file by hand";
            return null;
        }
        error = null;
        return result;
    }

    /// <summary>The offset of a 1-based line and column (columns count UTF-16 code units, as the reader does).</summary>
    private static int OffsetOf(string text, SourceSpan at)
    {
        var offset = 0;
        for (var line = 1; line < at.Line; line++)
        {
            offset = text.IndexOf('\n', offset) + 1;
            if (offset == 0) return -1;
        }
        offset += at.Column - 1;
        return offset < text.Length && text[offset] == '(' ? offset : -1;
    }

    /// <summary>The offset just past the ')' that closes the list opening at <paramref name="open"/>, or -1.</summary>
    private static int EndOfList(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0) return i + 1;
                    break;
                case '"' or '\'':
                    i = EndOfString(text, i);
                    if (i < 0) return -1;
                    break;
                case '#' when StartsToken(text, i):
                    i = text.IndexOf('\n', i);
                    if (i < 0) return -1;
                    break;
            }
        }
        return -1;
    }

    // Inside an atom '#' is an ordinary character; after a delimiter it starts a comment.
    private static bool StartsToken(string text, int i) => text[i - 1] is '(' or ')' or '"' or '\'' || char.IsWhiteSpace(text[i - 1]);

    private static int EndOfString(string text, int open)
    {
        for (var i = open + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') i++;
            else if (text[i] == text[open]) return i;
        }
        return -1;
    }
}
