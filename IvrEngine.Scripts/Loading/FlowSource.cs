using IvrEngine.Scripts.Model;
using YamlDotNet.Core;

namespace IvrEngine.Scripts.Loading;

/// <summary>One flow file's text, its name for messages and its folder (prompt folders are relative to it).</summary>
internal sealed class FlowSource(string file, string text, string directory)
{
    /// <summary>The name messages use (the path as given, or the name given to <c>FromText</c>).</summary>
    public string File { get; } = file;

    /// <summary>The text (BOM removed).</summary>
    public string Text { get; } = text;

    /// <summary>The absolute folder the file is in.</summary>
    public string Directory { get; } = directory;

    /// <summary>The file itself, with no position.</summary>
    public SourceSpan Whole => new(File, 0, 0);

    /// <summary>Where a mark is.</summary>
    public SourceSpan At(Mark mark) => new(File, (int)Math.Min(mark.Line, int.MaxValue), (int)Math.Min(mark.Column, int.MaxValue));

    /// <summary>Where a node starts.</summary>
    public SourceSpan At(YNode node) => At(node.Start);

    /// <summary>Where the character at <paramref name="valueOffset"/> of a scalar's value is written: quotes, escapes,
    /// folded lines and block indentation are stepped over by matching the value's characters against the text.
    /// Falls back to the scalar's start when they cannot be matched.</summary>
    public SourceSpan AtOffset(YScalar scalar, int valueOffset)
    {
        var value = scalar.Value;
        var start = (int)Math.Clamp(scalar.Start.Index, 0, Text.Length);
        var end = (int)Math.Clamp(scalar.End.Index, start, Text.Length);
        var index = start;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            index++;
        }
        else if (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            while (index < end && !IsBreak(Text[index]))
            {
                index++;
            }
        }

        valueOffset = Math.Clamp(valueOffset, 0, value.Length);
        for (var v = 0; v <= valueOffset && v < value.Length; v++)
        {
            while (index < end && Text[index] != value[v])
            {
                index++;
            }

            if (index >= end)
            {
                return At(scalar);
            }

            if (v == valueOffset)
            {
                break;
            }

            index++;
        }

        var (line, column) = LineAndColumn(scalar.Start, start, index);
        return new SourceSpan(File, line, column);
    }

    private (int Line, int Column) LineAndColumn(Mark from, int fromIndex, int index)
    {
        var line = (int)from.Line;
        var column = (int)from.Column;
        for (var i = fromIndex; i < index && i < Text.Length; i++)
        {
            var c = Text[i];
            if (c == '\r' && i + 1 < Text.Length && Text[i + 1] == '\n')
            {
                continue;
            }

            if (IsBreak(c))
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }

    private static bool IsBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';
}
