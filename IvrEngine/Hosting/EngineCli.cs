using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using IvrEngine.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>The engine's command line. Without a command it runs the engine and hands every argument to the host
/// unchanged (<c>--Engine:ListenPort=0</c>, ...). With a command it does that instead:
/// <list type="bullet">
/// <item><c>import &lt;file&gt; [--format csv|json]</c>: imports clients, prints the report; exit 0 even with rejected
/// rows, 1 when the file or the store cannot be read, 2 on a usage error.</item>
/// <item><c>export &lt;file&gt; [--format csv|json]</c>: writes every client; exit 0, or 1 when it cannot.</item>
/// </list>
/// Both read the same configuration as the engine (appsettings.json, environment, and <c>--Section:Key=value</c>
/// arguments anywhere on the line, e.g. <c>--Store:Path=/var/lib/ivrengine/ivrengine.db</c>).</summary>
public static class EngineCli
{
    /// <summary>Exit code: done.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: a file or the store could not be read or written.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the command line or the configuration is wrong (the engine uses it for a refused start too).</summary>
    public const int UsageError = 2;

    private static readonly HashSet<string> CommandWords = new(StringComparer.Ordinal) { "import", "export", "store-burst", "help", "--help", "-h", "-?" };

    /// <summary>Runs the command line: a command, or the engine.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        // Configuration overrides may come before the command; anything else that is not a command runs the engine
        // with the arguments untouched.
        var (commandArgs, configArgs) = SplitConfigurationArgs(args);
        if (commandArgs.Length == 0 || !CommandWords.Contains(commandArgs[0])) return await RunEngineAsync(args, error);
        if (commandArgs[0] == "help") commandArgs[0] = "--help";

        var root = BuildCommands(configArgs, output, error);
        var parsed = root.Parse(commandArgs);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync("error: " + parseError.Message);
            await error.WriteLineAsync("Run 'IvrEngine --help' for the commands.");
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    /// <summary>Splits configuration overrides (<c>--Section:Key=value</c> or <c>--Section:Key value</c>) from the
    /// command's own arguments.</summary>
    internal static (string[] CommandArgs, string[] ConfigArgs) SplitConfigurationArgs(IReadOnlyList<string> args)
    {
        var command = new List<string>(args.Count);
        var config = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var name = arg.Split('=', 2)[0];
            if (arg.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal))
            {
                config.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Count) config.Add(args[++i]);
            }
            else
            {
                command.Add(arg);
            }
        }

        return ([.. command], [.. config]);
    }

    private static RootCommand BuildCommands(string[] configArgs, TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "IvrEngine: a FreeSWITCH IVR engine. Without a command it runs the engine; settings are given as "
            + "--Section:Key=value (e.g. --Engine:ListenPort=8084, --Store:Path=data/ivrengine.db), with every command too.");

        var importFile = new Argument<string>("file") { Description = "The CSV or JSON file to import." };
        var importFormat = FormatOption();
        var import = new Command("import", "Import clients from CSV or JSON into the store and print what was read, imported and rejected (and why). "
            + "Exit 0 when the file was read (even with rejected rows), 1 when the file or the store cannot be read.")
        {
            importFile,
            importFormat,
        };
        import.SetAction((result, ct) => ImportAsync(configArgs, result.GetValue(importFile)!, ParseFormat(result.GetValue(importFormat)), output, error, ct));
        root.Subcommands.Add(import);

        var exportFile = new Argument<string>("file") { Description = "The CSV or JSON file to write (replaced if it exists)." };
        var exportFormat = FormatOption();
        var export = new Command("export", "Export every client to CSV or JSON, in the shape import reads. Cards are written as their last four digits (****1111) only.")
        {
            exportFile,
            exportFormat,
        };
        export.SetAction((result, ct) => ExportAsync(configArgs, result.GetValue(exportFile)!, ParseFormat(result.GetValue(exportFormat)), output, error, ct));
        root.Subcommands.Add(export);

        // Hidden: the store's crash test writes from a child process it then kills.
        var burstDb = new Argument<string>("db");
        var burstCount = new Argument<int>("count");
        var burst = new Command("store-burst") { Hidden = true };
        burst.Arguments.Add(burstDb);
        burst.Arguments.Add(burstCount);
        burst.SetAction((result, ct) => StoreBurst.RunAsync(result.GetValue(burstDb)!, result.GetValue(burstCount), output, ct));
        root.Subcommands.Add(burst);
        return root;
    }

    private static Option<string?> FormatOption()
    {
        var option = new Option<string?>("--format") { Description = "csv or json (default: from the file's extension)." };
        option.AcceptOnlyFromAmong("csv", "json");
        return option;
    }

    private static ClientFileFormat? ParseFormat(string? text) => text switch
    {
        "csv" => ClientFileFormat.Csv,
        "json" => ClientFileFormat.Json,
        _ => null,
    };

    private static async Task<int> ImportAsync(string[] configArgs, string file, ClientFileFormat? format, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var effective = format ?? ClientFileFormats.FromPath(file);
        if (effective is null)
        {
            await error.WriteLineAsync($"error: cannot tell the format of '{file}' from its extension; name it .csv or .json, or give --format csv|json.");
            return UsageError;
        }

        if (!File.Exists(file))
        {
            await error.WriteLineAsync($"error: cannot read '{file}': no such file.");
            return Failed;
        }

        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        using var store = await OpenStoreAsync(options, error);
        if (store is null) return Failed;

        ImportReport report;
        try
        {
            report = await new ClientImporter(store, options).ImportFileAsync(file, effective, cancellationToken);
        }
        catch (ClientImportException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return Failed;
        }

        var where = effective == ClientFileFormat.Csv ? "line" : "item";
        await output.WriteLineAsync($"Imported {file} into {Path.GetFullPath(options.Path)}");
        await output.WriteLineAsync($"read {report.Read}, imported {report.Imported}, rejected {report.Rejected.Count}");
        foreach (var row in report.Rejected)
        {
            var name = string.IsNullOrWhiteSpace(row.Name) ? string.Empty : $" ({row.Name})";
            await output.WriteLineAsync($"  {where} {row.Line}{name}: {row.Reason}");
        }

        return Ok;
    }

    private static async Task<int> ExportAsync(string[] configArgs, string file, ClientFileFormat? format, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var effective = format ?? ClientFileFormats.FromPath(file);
        if (effective is null)
        {
            await error.WriteLineAsync($"error: cannot tell the format of '{file}' from its extension; name it .csv or .json, or give --format csv|json.");
            return UsageError;
        }

        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        using var store = await OpenStoreAsync(options, error);
        if (store is null) return Failed;

        try
        {
            var count = await new ClientExporter(store).ExportFileAsync(file, effective, cancellationToken);
            await output.WriteLineAsync($"Exported {count} clients from {Path.GetFullPath(options.Path)} to {file} (cards as their last four digits only)");
            return Ok;
        }
        catch (ClientImportException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return Failed;
        }
    }

    /// <summary>The store settings as the engine would read them, validated; null (with the reasons printed) when invalid.</summary>
    private static async Task<StoreOptions?> StoreOptionsAsync(string[] configArgs, TextWriter error)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(configArgs)
            .Build();
        var options = new StoreOptions();
        configuration.GetSection(StoreOptions.Section).Bind(options);
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)) return options;
        await error.WriteLineAsync("error: the Store configuration is invalid:");
        foreach (var result in results) await error.WriteLineAsync("  - " + result.ErrorMessage);
        return null;
    }

    private static async Task<IClientStore?> OpenStoreAsync(StoreOptions options, TextWriter error)
    {
        try
        {
            return new LiteDbClientStore(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or LiteDB.LiteException)
        {
            await error.WriteLineAsync($"error: cannot open the client store {Path.GetFullPath(options.Path)}: {ex.Message}");
            await error.WriteLineAsync("  (a running engine holds the file: stop it first, or give --Store:Path=...)");
            return null;
        }
    }

    private static async Task<int> RunEngineAsync(string[] args, TextWriter error)
    {
        try
        {
            using var host = EngineHost.Build(args);
            await host.RunAsync();
            return Ok;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync("IvrEngine cannot start, the configuration is invalid:");
            foreach (var failure in ex.Failures) await error.WriteLineAsync("  - " + failure);
            return UsageError;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync("IvrEngine cannot start: " + ex.Message);
            return UsageError;
        }
        catch (Exception ex) when (ex is IOException or LiteDB.LiteException)
        {
            await error.WriteLineAsync("IvrEngine cannot start, the client store cannot be opened: " + ex.Message);
            return UsageError;
        }
    }
}
