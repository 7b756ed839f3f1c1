using System.Collections.Immutable;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Sxp;

/// <summary>The forms of one SXP file and what was wrong in it.</summary>
public sealed record SxpDocument(IReadOnlyList<SxpNode> Forms, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}

/// <summary>
/// Reads SXP in the lexis of Xen's <c>sxp.py</c>: lists in parentheses, atoms delimited by whitespace, parentheses and
/// quotes, <c>"…"</c> and <c>'…'</c> strings with C escapes (<c>\n \t \r \a \b \f \v \\ \" \'</c>, <c>\xHH</c>, octal
/// <c>\NNN</c>), and <c>#</c> at the start of a token commenting to the end of the line. Never throws on bad input:
/// problems are diagnostics at the offending character.
/// </summary>
public sealed partial class SxpReader
{
    private readonly string _text;
    private readonly string _file;
    private readonly List<Diagnostic> _diagnostics = [];
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    private SxpReader(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static SxpDocument Read(string text, string file)
    {
        var reader = new SxpReader(text, file);
        var forms = reader.ReadAll();
        return new SxpDocument(forms, reader._diagnostics);
    }

    private SourceSpan Here => new(_file, _line, _pos - _lineStart + 1);

    private void Error(SourceSpan at, string message) => _diagnostics.Add(Diagnostic.Error(at, DiagnosticCodes.SxpSyntax, message));

    private List<SxpNode> ReadAll()
    {
        var top = new List<SxpNode>();
        var stack = new Stack<(SourceSpan Open, ImmutableArray<SxpNode>.Builder Items)>();
        while (true)
        {
            SkipSpaceAndComments();
            if (_pos >= _text.Length) break;
            var c = _text[_pos];
            var at = Here;
            SxpNode? node = null;
            switch (c)
            {
                case '(':
                    Advance();
                    stack.Push((at, ImmutableArray.CreateBuilder<SxpNode>()));
                    continue;
                case ')':
                    Advance();
                    if (stack.Count == 0)
                    {
                        Error(at, "unexpected ')' with no matching '('");
                        continue;
                    }
                    var (open, items) = stack.Pop();
                    node = new SxpList(new EquatableArray<SxpNode>(items.ToImmutable()), open);
                    break;
                case '"' or '\'':
                    var text = ReadString();
                    if (text is null) return top; // unterminated: the rest of the file is inside it
                    node = new SxpAtom(text, at);
                    break;
                default:
                    node = new SxpAtom(ReadAtom(), at);
                    break;
            }
            if (stack.Count > 0) stack.Peek().Items.Add(node);
            else top.Add(node);
        }
        if (stack.Count > 0)
        {
            var (open, _) = stack.Peek();
            var unclosed = stack.Count == 1 ? "'('" : $"'(' ({stack.Count} lists open)";
            Error(open, $"unclosed {unclosed}: missing ')' before the end of the file");
        }
        return top;
    }

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _lineStart = _pos + 1;
        }
        _pos++;
    }

    private void SkipSpaceAndComments()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
            }
            else if (char.IsWhiteSpace(c)) Advance();
            else return;
        }
    }

    private static bool EndsAtom(char c) => c is '(' or ')' or '"' or '\'' || char.IsWhiteSpace(c);

    private string ReadAtom()
    {
        var start = _pos;
        while (_pos < _text.Length && !EndsAtom(_text[_pos])) _pos++;
        return _text.Substring(start, _pos - start);
    }
}
