using IvrEngine.Scripts.Expressions;

namespace IvrEngine.Scripts.Loading;

/// <summary>Compiles expressions to check them, once per distinct text, with a budget per file: compiling costs
/// about a millisecond, so a hostile file cannot make a reload take minutes.</summary>
internal sealed class ExpressionChecker
{
    /// <summary>Most distinct expressions compiled for one file.</summary>
    public const int MaxPerFile = 2000;

    /// <summary>Longest expression: the parser is recursive, and a long enough chain of operators or brackets would
    /// overflow the stack (which no catch can handle). Real conditions are a line.</summary>
    public const int MaxLength = 1000;

    /// <summary>Deepest nesting of brackets, for the same reason.</summary>
    public const int MaxNesting = 50;

    private readonly Dictionary<(string Text, bool Condition), (string? Error, int Position)> _results = [];
    private int _compiledForFile;

    /// <summary>True once a file went over <see cref="MaxPerFile"/> (reported once).</summary>
    public bool OverBudget { get; private set; }

    /// <summary>Starts a new file's budget.</summary>
    public void StartFile()
    {
        _compiledForFile = 0;
        OverBudget = false;
    }

    /// <summary>Null when it compiles; else the parser's message and the 0-based offset in <paramref name="text"/>.
    /// Past the file's budget it checks nothing more, returns null and sets <see cref="OverBudget"/>.</summary>
    public (string Error, int Position)? Check(string text, bool condition)
    {
        if (text.Length > MaxLength)
        {
            return ($"it is longer than {MaxLength} characters", MaxLength);
        }

        if (Nesting(text) is { } tooDeep)
        {
            return ($"brackets nest deeper than {MaxNesting} levels", tooDeep);
        }

        if (!_results.TryGetValue((text, condition), out var result))
        {
            if (_compiledForFile >= MaxPerFile)
            {
                OverBudget = true;
                return null;
            }

            _compiledForFile++;
            result = FlowExpression.TryCompile(text, condition, out _, out var error, out var position)
                ? (null, 0)
                : ((error ?? "not a valid expression").Trim(), position);
            _results[(text, condition)] = result;
        }

        return result.Error is null ? null : (result.Error, result.Position);
    }

    /// <summary>Where brackets first nest deeper than <see cref="MaxNesting"/> (outside string literals), or null.</summary>
    internal static int? Nesting(string text)
    {
        var depth = 0;
        var quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '(' or '[' or '{')
            {
                if (++depth > MaxNesting)
                {
                    return i;
                }
            }
            else if (c is ')' or ']' or '}')
            {
                depth = Math.Max(0, depth - 1);
            }
        }

        return null;
    }
}
