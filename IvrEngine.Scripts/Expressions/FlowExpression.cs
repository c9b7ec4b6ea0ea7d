using System.Linq.Dynamic.Core;
using System.Linq.Dynamic.Core.Exceptions;
using System.Linq.Expressions;

namespace IvrEngine.Scripts.Expressions;

/// <summary>A compiled condition or value over a <see cref="FlowScope"/>. Parsing and compiling is
/// System.Linq.Dynamic.Core's: only the scope's members and a fixed set of safe types are reachable.</summary>
public sealed class FlowExpression
{
    private static readonly ParsingConfig Config = new()
    {
        ResolveTypesBySimpleName = false,
        AllowNewToEvaluateAnyType = false,
    };

    private readonly Func<FlowScope, object?> _evaluate;

    private FlowExpression(string text, Func<FlowScope, object?> evaluate)
    {
        Text = text;
        _evaluate = evaluate;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>Compiles a condition (it must give true or false) or, with <paramref name="condition"/> false, a
    /// value of any type. On failure <paramref name="error"/> says why and <paramref name="position"/> is the
    /// 0-based character offset in <paramref name="text"/> (0 when unknown).</summary>
    public static bool TryCompile(string text, bool condition, out FlowExpression? expression, out string? error, out int position)
    {
        ArgumentNullException.ThrowIfNull(text);
        expression = null;
        error = null;
        position = 0;
        try
        {
            var scope = Expression.Parameter(typeof(FlowScope), string.Empty);
            var lambda = DynamicExpressionParser.ParseLambda(Config, [scope], condition ? typeof(bool) : null, text);
            var body = lambda.Body.Type == typeof(object) ? lambda.Body : Expression.Convert(lambda.Body, typeof(object));
            var compiled = Expression.Lambda<Func<FlowScope, object?>>(body, lambda.Parameters).Compile(preferInterpretation: false);
            expression = new FlowExpression(text, compiled);
            return true;
        }
        catch (ParseException ex)
        {
            error = ex.Message;
            position = Math.Max(0, ex.Position);
            return false;
        }
        catch (InvalidOperationException ex)
        {
            error = ex.Message;
            return false;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Compiles or throws <see cref="FormatException"/> with the parser's message.</summary>
    public static FlowExpression Compile(string text, bool condition) =>
        TryCompile(text, condition, out var expression, out var error, out var position)
            ? expression!
            : throw new FormatException($"{error} (at character {position + 1} of \"{text}\")");

    /// <summary>The value.</summary>
    public object? Evaluate(FlowScope scope) => _evaluate(scope);

    /// <summary>The value of a condition.</summary>
    public bool IsTrue(FlowScope scope) => _evaluate(scope) is true;

    /// <summary>The value as text (invariant culture; true/false for booleans).</summary>
    public string EvaluateText(FlowScope scope) => FlowClientView.Format(_evaluate(scope));
}
