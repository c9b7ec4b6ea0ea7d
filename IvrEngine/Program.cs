using IvrEngine.Hosting;

namespace IvrEngine;

internal static class Program
{
    /// <summary>No command: runs the engine with the arguments as configuration. Commands: import, export (see
    /// <see cref="EngineCli"/>), and the hidden store-burst of the store's crash test.</summary>
    public static Task<int> Main(string[] args) => EngineCli.RunAsync(args, Console.Out, Console.Error);
}
