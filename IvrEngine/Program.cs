using IvrEngine.Hosting;
using IvrEngine.Profiles;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IvrEngine;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Hidden: the store's crash test writes from a child process it then kills.
        if (args is ["store-burst", var db, var countText] && int.TryParse(countText, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            return await StoreBurst.RunAsync(db, count, Console.Out, CancellationToken.None);
        }

        try
        {
            using var host = EngineHost.Build(args);
            await host.RunAsync();
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("IvrEngine cannot start, the configuration is invalid:");
            foreach (var failure in ex.Failures) await Console.Error.WriteLineAsync("  - " + failure);
            return 2;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync("IvrEngine cannot start: " + ex.Message);
            return 2;
        }
    }
}
