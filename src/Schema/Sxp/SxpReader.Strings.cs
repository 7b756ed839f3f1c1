using System.Text;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Sxp;

public sealed partial class SxpReader
{
    /// <summary>Reads a quoted string at <c>_pos</c>; null (after a diagnostic) when it never ends.</summary>
    private string? ReadString()
    {
        var open = Here;
        var quote = _text[_pos];
        Advance();
        var start = _pos;
        // Fast path: no escapes.
        var end = _text.AsSpan(_pos).IndexOfAny(quote, '\\');
        if (end >= 0 && _text[_pos + end] == quote && _text.AsSpan(_pos, end).IndexOf('\n') < 0)
        {
            _pos += end + 1;
            return _text.Substring(start, end);
        }
        var sb = new StringBuilder();
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == quote)
            {
                Advance();
                return sb.ToString();
            }
            if (c != '\\')
            {
                sb.Append(c);
                Advance();
                continue;
            }
            var escapeAt = Here;
            Advance();
            if (_pos >= _text.Length) break;
            ReadEscape(sb, escapeAt);
        }
        Error(open, $"unterminated string: missing the closing {quote} before the end of the file");
        return null;
    }

    private void ReadEscape(StringBuilder sb, SourceSpan escapeAt)
    {
        var e = _text[_pos];
        char? simple = e switch
        {
            'n' => '\n', 't' => '\t', 'r' => '\r', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v',
            '\\' => '\\', '"' => '"', '\'' => '\'',
            _ => null,
        };
        if (simple is { } s)
        {
            sb.Append(s);
            Advance();
            return;
        }
        if (e == 'x')
        {
            Advance();
            var value = 0;
            var digits = 0;
            while (digits < 2 && _pos < _text.Length && char.IsAsciiHexDigit(_text[_pos]))
            {
                value = value * 16 + Convert.ToInt32(_text[_pos].ToString(), 16);
                digits++;
                Advance();
            }
            if (digits == 0) Error(escapeAt, "invalid escape '\\x' in string: \\x needs 1 or 2 hex digits");
            else sb.Append((char)value);
            return;
        }
        if (e is >= '0' and <= '7')
        {
            var value = 0;
            var digits = 0;
            while (digits < 3 && _pos < _text.Length && _text[_pos] is >= '0' and <= '7')
            {
                value = value * 8 + (_text[_pos] - '0');
                digits++;
                Advance();
            }
            if (value > 0xFF) Error(escapeAt, $"invalid octal escape in string: \\{Convert.ToString(value, 8)} is above \\377");
            else sb.Append((char)value);
            return;
        }
        var shown = char.IsControl(e) || char.IsWhiteSpace(e) ? $"\\x{(int)e:x2}" : e.ToString();
        Error(escapeAt, $"invalid escape '\\{shown}' in string: use \\n \\t \\r \\\\ \\\" \\' \\xHH or octal \\NNN");
        Advance();
    }
}
