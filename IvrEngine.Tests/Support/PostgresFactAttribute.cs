namespace IvrEngine.Tests.Support;

/// <summary>A test against a real PostgreSQL: skipped, with one message saying how to install it, where PostgreSQL is
/// missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Missing is { } why) Skip = why;
    }
}

/// <summary>The same for a theory.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresServer.Missing is { } why) Skip = why;
    }
}
