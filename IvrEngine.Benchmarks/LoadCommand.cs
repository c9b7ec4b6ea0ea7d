namespace IvrEngine.Benchmarks;

internal static class LoadCommand
{
    public static int Run(ReadOnlySpan<string> args) => throw new UsageException("load: not implemented yet.");
}
