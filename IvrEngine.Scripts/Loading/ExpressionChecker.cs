using IvrEngine.Scripts.Expressions;

namespace IvrEngine.Scripts.Loading;

/// <summary>Compiles expressions to check them, once per distinct text, with a budget per file: compiling costs
/// about a millisecond, so a hostile file cannot make a reload take minutes.</summary>
internal sealed class ExpressionChecker
{
    /// <summary>Most distinct expressions compiled for one file.</summary>
    public const int MaxPerFile = 2000;

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
}
