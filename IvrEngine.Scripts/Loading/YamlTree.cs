using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace IvrEngine.Scripts.Loading;

/// <summary>A YAML node with where it starts and ends in its file. Aliases share the anchored node (never copied),
/// so a node may be reached from several places.</summary>
internal abstract class YNode
{
    protected YNode(Mark start, Mark end)
    {
        Start = start;
        End = end;
    }

    /// <summary>Where the node starts (1-based line and column; 0-based character index).</summary>
    public Mark Start { get; }

    /// <summary>Where it ends.</summary>
    public Mark End { get; }

    /// <summary>Values under it, counting every node once per place it is reached (aliases expanded); a long scalar
    /// counts as several values, so an alias of a long text used many times is refused too.</summary>
    public long Weight { get; protected set; } = 1;

    /// <summary>What it is, for messages: "a list", "a mapping", "a value".</summary>
    public abstract string Describe { get; }
}

/// <summary>A scalar: text, with its style (plain or quoted) and its tag.</summary>
internal sealed class YScalar : YNode
{
    public YScalar(string value, ScalarStyle style, Mark start, Mark end) : base(start, end)
    {
        Value = value;
        Style = style;
        Weight = 1 + (value.Length / YamlTreeReader.CharactersPerValue);
    }

    public string Value { get; }

    public ScalarStyle Style { get; }

    /// <summary>True for a plain empty value, <c>~</c> or <c>null</c>: nothing was written.</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe => "a value";
}

/// <summary>A sequence.</summary>
internal sealed class YSequence : YNode
{
    public YSequence(IReadOnlyList<YNode> items, Mark start, Mark end) : base(start, end)
    {
        Items = items;
        Weight = YamlTreeReader.Saturate(1 + items.Sum(i => i.Weight));
    }

    public IReadOnlyList<YNode> Items { get; }

    public override string Describe => "a list";
}

/// <summary>A mapping whose keys are scalars, in the order written (duplicates kept: the reader reports them).</summary>
internal sealed class YMapping : YNode
{
    public YMapping(IReadOnlyList<YPair> pairs, Mark start, Mark end) : base(start, end)
    {
        Pairs = pairs;
        Weight = YamlTreeReader.Saturate(1 + pairs.Sum(p => 1 + p.Value.Weight));
    }

    public IReadOnlyList<YPair> Pairs { get; }

    public override string Describe => "a mapping";
}

/// <summary>One key and its value.</summary>
internal sealed record YPair(YScalar Key, YNode Value);

/// <summary>A YAML problem at a place (syntax, limits).</summary>
internal sealed record YamlProblem(Mark At, string Message);

/// <summary>Reads one YAML document into <see cref="YNode"/>s from YamlDotNet's parser events, with limits that keep
/// hostile input cheap: nesting depth, and values counted with aliases expanded (an alias bomb stops early).</summary>
internal static class YamlTreeReader
{
    /// <summary>Deepest nesting of lists and mappings (a flow file needs about 6).</summary>
    public const int MaxDepth = 40;

    /// <summary>Most values in a file, aliases counted once per use.</summary>
    public const long MaxValues = 100_000;

    /// <summary>A scalar counts one value more per this many characters.</summary>
    public const int CharactersPerValue = 32;

    internal static long Saturate(long value) => Math.Min(value, MaxValues + 1);

    /// <summary>The document's root (null for an empty file), or the first problem.</summary>
    public static (YNode? Root, YamlProblem? Problem) Read(string text)
    {
        var state = new State();
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        try
        {
            var parser = new Parser(scanner);
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return (null, null);
            }

            parser.Consume<DocumentStart>();
            var root = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, state, 1);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                return (root, new YamlProblem(second.Start, "a flow file holds one YAML document; a second one starts here (remove the '---')"));
            }

            parser.Consume<StreamEnd>();
            return (root, null);
        }
        catch (LimitException ex)
        {
            return (null, new YamlProblem(ex.At, ex.Message));
        }
        catch (YamlException ex)
        {
            return (null, new YamlProblem(ex.Start, "YAML syntax: " + Sentence(ex.Message)));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or FormatException or OverflowException or KeyNotFoundException)
        {
            // YamlDotNet throws more than YamlException on some malformed input (e.g. "a: [b" followed by a key on
            // the next line): still a syntax error, reported where the scanner stopped.
            return (null, new YamlProblem(scanner.CurrentPosition, "YAML syntax: the text cannot be read from here on (an unclosed bracket or quote?)"));
        }
    }

    private static string Sentence(string message)
    {
        var text = message.Trim().TrimEnd('.');
        return text.Length == 0 ? "not valid YAML" : char.ToLowerInvariant(text[0]) + text[1..];
    }

    private static YNode ReadNode(IParser parser, State state, int depth)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!state.Anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new LimitException(alias.Start, $"alias '*{alias.Value.Value}' refers to no anchor written before it");
            }

            state.Count(target.Weight, alias.Start);
            return target;
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var node = new YScalar(scalar.Value, scalar.Style, scalar.Start, scalar.End);
            state.Count(node.Weight, scalar.Start);
            return Anchor(state, scalar, node);
        }

        if (depth > MaxDepth)
        {
            throw new LimitException(parser.Current?.Start ?? Mark.Empty, $"lists and mappings nest deeper than {MaxDepth} levels");
        }

        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            state.Count(1, sequenceStart.Start);
            var items = new List<YNode>();
            Mark sequenceEnd;
            while (true)
            {
                if (parser.TryConsume<SequenceEnd>(out var end))
                {
                    sequenceEnd = end.End;
                    break;
                }

                items.Add(ReadNode(parser, state, depth + 1));
            }

            return Anchor(state, sequenceStart, new YSequence(items, sequenceStart.Start, sequenceEnd));
        }

        if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            state.Count(1, mappingStart.Start);
            var pairs = new List<YPair>();
            Mark mappingEnd;
            while (true)
            {
                if (parser.TryConsume<MappingEnd>(out var end))
                {
                    mappingEnd = end.End;
                    break;
                }

                var keyAt = parser.Current?.Start ?? mappingStart.Start;
                var key = ReadNode(parser, state, depth + 1);
                var value = ReadNode(parser, state, depth + 1);
                if (key is not YScalar keyScalar)
                {
                    throw new LimitException(keyAt, $"a key must be a plain name, not {key.Describe}");
                }

                if (keyScalar.Style == ScalarStyle.Plain && keyScalar.Value == "<<")
                {
                    throw new LimitException(keyAt, "merge keys ('<<') are not supported: write the fields out");
                }

                pairs.Add(new YPair(keyScalar, value));
            }

            return Anchor(state, mappingStart, new YMapping(pairs, mappingStart.Start, mappingEnd));
        }

        var unexpected = parser.Current;
        throw new LimitException(unexpected?.Start ?? Mark.Empty, "YAML syntax: unexpected " + (unexpected?.GetType().Name ?? "end of file"));
    }

    private static YNode Anchor(State state, NodeEvent node, YNode built)
    {
        if (!node.Anchor.IsEmpty)
        {
            state.Anchors[node.Anchor.Value] = built;
        }

        return built;
    }

    private sealed class State
    {
        private long _values;

        public Dictionary<string, YNode> Anchors { get; } = new(StringComparer.Ordinal);

        public void Count(long weight, Mark at)
        {
            _values += weight;
            if (_values > MaxValues)
            {
                throw new LimitException(at, $"the file has more than {MaxValues} values (aliases counted each time they are used, long texts as several)");
            }
        }
    }

    private sealed class LimitException(Mark at, string message) : Exception(message)
    {
        public Mark At { get; } = at;
    }
}
