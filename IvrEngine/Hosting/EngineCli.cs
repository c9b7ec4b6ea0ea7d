using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using IvrEngine.Ivr;
using IvrEngine.Ivr.Console;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using IvrEngine.Routing;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>The engine's command line. Without a command it runs the engine and hands every argument to the host
/// unchanged (<c>--Engine:ListenPort=0</c>, <c>--environment Development</c>, ...); a wrong setting refuses the start
/// with exit 2. <c>--version</c> prints the version (exit 0); a word that is no command prints the usage with a
/// suggestion (exit 2). With a command it does that instead:
/// <list type="bullet">
/// <item><c>import &lt;file&gt; [--format csv|json]</c>: imports clients, prints the report; exit 0 even with rejected
/// rows, 1 when the file or the store cannot be read, 2 on a usage error or a store that another process has open
/// (the engine, another command) or that is no store (a folder, a truncated file): every command that opens the store
/// says so the same way.</item>
/// <item><c>export &lt;file&gt; [--format csv|json]</c>: writes every client; exit 0, or 1 when it cannot.</item>
/// <item><c>validate &lt;file or folder&gt;</c>: loads IVR flows and checks what each can attach against the budgets
/// of <c>Flows:Budgets</c>; exit 0 with <c>N flows OK</c>, 1 with every problem as <c>file:line:column: message</c>, 2
/// when there is no such file or folder or the settings are invalid.</item>
/// <item><c>simulate &lt;flow&gt; --ani &lt;number&gt; --dnis &lt;number&gt; [--keys "1,4111111111111111#"] [--json]
/// [--flows &lt;folder&gt;] [--at &lt;date-time&gt;]</c>: runs a flow in the terminal against the client store; exit 0 when
/// the flow ended as written (transferred, hung up, returned), 1 when it failed, 2 when it could not run (arguments,
/// flows that do not load, settings, store).</item>
/// <item><c>users add --name N --role agent|supervisor|admin [--display D] [--agent 1001@default] [--extension 1001]
/// [--password-stdin]</c>, <c>users list</c>, <c>users passwd --name N [--password-stdin]</c>, <c>users disable --name N</c>:
/// the web app's users; a password not read from standard input is generated and printed once. Exit 0, 1 when the
/// store cannot be opened, 2 on bad input (name, role, short password, unknown or taken user).</item>
/// <item><c>tokens create --name N --user U --scopes read,write</c> (prints the token once), <c>tokens list</c>,
/// <c>tokens revoke --id ID</c>: API tokens; the same exit codes.</item>
/// <item><c>migrate [--check]</c>: with <c>Store:Provider=PostgreSQL</c>, applies the schema's pending migrations and
/// prints which (<c>--check</c> only lists them); exit 0 when the schema is current, 1 when <c>--check</c> finds
/// pending ones or the server cannot be reached, 2 on wrong settings or a failed migration.</item>
/// </list>
/// They read the same configuration as the engine (appsettings.json, environment, and <c>--Section:Key=value</c>
/// arguments anywhere on the line, e.g. <c>--Store:Path=/var/lib/ivrengine/ivrengine.db</c>).</summary>
public static partial class EngineCli
{
    /// <summary>Exit code: done.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: a file or the store could not be read or written.</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the command line or the configuration is wrong (the engine uses it for a refused start too).</summary>
    public const int UsageError = 2;

    private static readonly HashSet<string> CommandWords = new(StringComparer.Ordinal) { "import", "export", "validate", "simulate", "report", "users", "tokens", "migrate", "campaign", "dnc", "store-burst", "help", "--help", "-h", "-?", "--version" };

    /// <summary>Words that need no configuration: they print and exit.</summary>
    private static readonly HashSet<string> PrintingWords = new(StringComparer.Ordinal) { "help", "--help", "-h", "-?", "--version", "store-burst" };

    /// <summary>Runs the command line: a command, or the engine. <c>simulate</c> without <c>--keys</c> reads the
    /// caller's keys from the console.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, Console.In, output, error, cancellationToken);

    /// <summary>Runs the command line: a command, or the engine; <c>simulate</c> without <c>--keys</c> reads the
    /// caller's keys from <paramref name="input"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        // Configuration overrides may come before the command; host switches (--environment, --contentRoot) and
        // Key=value settings run the engine with the arguments untouched; a word that is not a command is a mistake,
        // never a start.
        var (commandArgs, configArgs) = SplitConfigurationArgs(args);
        if (commandArgs.Length == 0 || (!CommandWords.Contains(commandArgs[0]) && (commandArgs[0].StartsWith('-') || commandArgs[0].Contains('='))))
        {
            return await RunEngineAsync(args, error);
        }

        if (commandArgs[0] == "help") commandArgs[0] = "--help";

        var root = BuildCommands(configArgs, input, output, error);
        var parsed = root.Parse(commandArgs);
        if (!CommandWords.Contains(commandArgs[0]))
        {
            // System.CommandLine's own answer to an unknown command: the error, "Did you mean ...?" and the usage.
            await parsed.InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, cancellationToken);
            return UsageError;
        }

        if (!PrintingWords.Contains(commandArgs[0]) && await CheckSettingsAsync(configArgs, error) is false) return UsageError;
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync("error: " + parseError.Message);
            await error.WriteLineAsync("Run 'IvrEngine --help' for the commands.");
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    /// <summary>The commands read the engine's configuration too: a setting that is unknown or does not convert, or an
    /// appsettings.json that does not parse, is refused before the command runs; false with the reasons printed.</summary>
    private static async Task<bool> CheckSettingsAsync(string[] configArgs, TextWriter error)
    {
        IReadOnlyList<string> failures;
        try
        {
            failures = SettingsCheck.Check(BuildConfiguration(configArgs));
        }
        catch (InvalidDataException ex)
        {
            await error.WriteLineAsync("error: " + ConfigurationFileProblem(ex));
            return false;
        }

        if (failures.Count == 0) return true;
        await error.WriteLineAsync("error: the configuration is invalid:");
        foreach (var failure in failures) await error.WriteLineAsync("  - " + failure);
        return false;
    }

    /// <summary>A configuration file that does not parse, in one line: the file and where the parser stopped.</summary>
    private static string ConfigurationFileProblem(InvalidDataException ex)
    {
        // "Failed to load configuration from file '...'." over "Could not parse the JSON file." over the parser's
        // own words with the line and the byte position.
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException) parts.Add(e.Message.TrimEnd('.'));
        return string.Join(": ", parts) + ".";
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

    private static RootCommand BuildCommands(string[] configArgs, TextReader input, TextWriter output, TextWriter error)
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

        var validatePath = new Argument<string>("path") { Description = "A flow file (.yaml) or a folder of them." };
        var validate = new Command("validate", "Load IVR flows and report every problem as file:line:column: message, what a flow can "
            + "attach to a call checked against the budgets of Flows:Budgets. "
            + "Exit 0 when they load (\"N flows OK\"), 1 when there are problems, 2 when there is no such file or folder.")
        {
            validatePath,
        };
        validate.SetAction((result, _) => ValidateAsync(configArgs, result.GetValue(validatePath)!, output, error));
        root.Subcommands.Add(validate);

        var simulateFlow = new Argument<string>("flow") { Description = "The name of the flow to run (its flow: line)." };
        var ani = new Option<string>("--ani") { Description = "The caller's number.", Required = true };
        var dnis = new Option<string>("--dnis") { Description = "The dialed number.", Required = true };
        var keys = new Option<string?>("--keys")
        {
            Description = "The caller's keys, one comma-separated item per wait: \"1,4111111111111111#,,1\" (an empty item is silence, "
                + "'hangup' hangs up; when they run out the caller hangs up). Without it each wait reads a line from the console.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (outcome, transfer, client, steps, attached) instead of the trace." };
        var flows = new Option<string?>("--flows") { Description = "The flows folder or file (default: the Flows:Path setting, flows/ next to the engine)." };
        var at = new Option<string?>("--at")
        {
            Description = "Run as if it were this time: 2026-12-25T10:00 (in the flow's time zone) or with an offset, 2026-12-25T15:00:00Z.",
        };
        var simulate = new Command("simulate", "Run a flow in the terminal against a simulated caller and the client store (the engine's Store "
            + "settings; demo data seeded into an empty store when Store:SeedDemoData is on). Prints what the caller hears, where the call "
            + "would go and the variables it would carry. Exit 0 when the flow ended as written, 1 when it failed, 2 when it could not run.")
        {
            simulateFlow,
            ani,
            dnis,
            keys,
            json,
            flows,
            at,
        };
        simulate.SetAction((result, ct) => SimulateAsync(
            configArgs,
            new SimulateArguments(result.GetValue(simulateFlow)!, result.GetValue(ani)!, result.GetValue(dnis)!, result.GetValue(keys),
                result.GetValue(json), result.GetValue(flows), result.GetValue(at)),
            input,
            output,
            error,
            ct));
        root.Subcommands.Add(simulate);

        var from = new Option<string?>("--from") { Description = "The first day (2026-12-01) or moment (2026-12-01T08:00, in --time-zone; or with an offset) counted. Default: the start of today." };
        var to = new Option<string?>("--to") { Description = "The last day counted (2026-12-04: the whole day), or the first moment not counted (2026-12-04T12:00). Default: now." };
        var by = new Option<string?>("--by") { Description = "How the rows are cut: " + ReportQuery.DimensionNames + " (default total: one row)." };
        var where = new Option<string?>("--where")
        {
            Description = "Only the calls with this value of a dimension: dimension=value, e.g. campaign=5000, cti=V, agent=(none). Rows by another "
                + "dimension then count the whole UTC days of the period.",
        };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (a header line, then one line per row) instead of the table." };
        var serviceLevel = new Option<string?>("--service-level")
        {
            Description = "The service level's threshold in seconds, one of " + string.Join(", ", HourTotals.WaitEdges) + " (default 20).",
        };
        var timeZone = new Option<string?>("--time-zone") { Description = "The IANA time zone of the dates and of the hour and day rows (default: this machine's)." };
        var funnel = new Option<string?>("--funnel") { Description = "Print the funnel of this flow instead: per step, the callers who reached it, went on, timed out, keyed invalid input, hung up there, ended or left (and to where)." };
        var report = new Command("report", "Print the contact center's figures for a period from the statistics the engine keeps (docs/statistics.md): calls, "
            + "containment, queued, answered, abandoned, service level, waits, talk time, transfers, repeat contacts. The store is read directly, so the "
            + "engine must be stopped; while it runs, ask it (GET /api/statistics/report). Exit 0, 2 when the request or the store cannot be read.")
        {
            from,
            to,
            by,
            where,
            csv,
            serviceLevel,
            timeZone,
            funnel,
        };
        report.SetAction((result, ct) => ReportAsync(configArgs, new ReportArguments(result.GetValue(from), result.GetValue(to), result.GetValue(by),
            result.GetValue(where), result.GetValue(csv), result.GetValue(serviceLevel), result.GetValue(timeZone), result.GetValue(funnel)), output, error, ct));
        root.Subcommands.Add(report);

        root.Subcommands.Add(UsersCommand(configArgs, input, output, error));
        root.Subcommands.Add(TokensCommand(configArgs, output, error));
        root.Subcommands.Add(MigrateCommand(configArgs, output, error));
        root.Subcommands.Add(CampaignCommand(configArgs, output, error));
        root.Subcommands.Add(DoNotCallCommand(configArgs, output, error));

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
        var (opened, code) = await OpenStoreAsync(options, error);
        if (opened is null) return code;
        using var store = opened;

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
        await output.WriteLineAsync($"Imported {file} into {StoreName(options)}");
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
        var (opened, code) = await OpenStoreAsync(options, error);
        if (opened is null) return code;
        using var store = opened;

        try
        {
            var count = await new ClientExporter(store).ExportFileAsync(file, effective, cancellationToken);
            await output.WriteLineAsync($"Exported {count} clients from {StoreName(options)} to {file} (cards as their last four digits only)");
            return Ok;
        }
        catch (ClientImportException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}");
            return Failed;
        }
    }

    /// <summary>The <c>report</c> command's options.</summary>
    private sealed record ReportArguments(string? From, string? To, string? By, string? Where, bool Csv, string? ServiceLevel, string? TimeZone, string? Funnel);

    private static async Task<int> ReportAsync(string[] configArgs, ReportArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (csv, funnel) = (arguments.Csv, arguments.Funnel);
        if (ReportQuery.TryParse(arguments.From, arguments.To, arguments.By, arguments.ServiceLevel, arguments.TimeZone, arguments.Where, DateTimeOffset.Now,
                out var problem) is not { } query)
        {
            await error.WriteLineAsync("error: " + problem + ".");
            return UsageError;
        }

        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        IStatisticsStore store;
        IDisposable opened;
        if (options.UsesPostgres)
        {
            // The statistics' tables, over the connection pool of the client store the command opened (and migrated).
            var (client, failed) = await OpenPostgresAsync(options, error);
            if (client is not PostgresClientStore postgres) return failed;
            (store, opened) = (new PostgresStatisticsStore(postgres.DataSource), postgres);
        }
        else
        {
            if (!File.Exists(options.Path))
            {
                await error.WriteLineAsync($"error: there is no store at {Path.GetFullPath(options.Path)} (Store:Path): the engine has kept no statistics there.");
                return UsageError;
            }

            var (liteDb, code) = await OpenLiteDbAsync(options, error);
            if (liteDb is null)
            {
                if (code == UsageError) await error.WriteLineAsync("While the engine runs, ask it: GET /api/statistics/report?from=...&to=...&by=... (a supervisor's or admin's sign-in or API token).");
                return code;
            }

            (store, opened) = (liteDb, liteDb);
        }

        using var closing = opened;
        if (funnel is not null)
        {
            var steps = StatisticsReport.Funnel(await store.ReadStepsAsync(funnel, query.Since, query.Until, cancellationToken));
            if (csv)
            {
                await WriteCsvAsync(output, stream => StatisticsReport.WriteFunnelCsvAsync(stream, steps, cancellationToken));
            }
            else
            {
                await output.WriteLineAsync($"funnel of {funnel}, {query.Since:yyyy-MM-dd HH:mm zzz} to {query.Until:yyyy-MM-dd HH:mm zzz}; whole UTC days are counted");
                StatisticsReport.WriteFunnelTable(output, steps);
            }

            return Ok;
        }

        var rows = await StatisticsReport.RunAsync(store, query, cancellationToken);
        if (csv)
        {
            await WriteCsvAsync(output, stream => StatisticsReport.WriteCsvAsync(stream, rows, query.By, query.ServiceLevelSeconds, cancellationToken));
        }
        else
        {
            var filter = query.Where is { } w ? $", only {w}" : string.Empty;
            var counted = StatisticsReport.CountsWholeDays(query) ? "whole UTC days are counted (a filter and rows by another dimension)" : "whole hours are counted";
            await output.WriteLineAsync($"{query.Since:yyyy-MM-dd HH:mm zzz} to {query.Until:yyyy-MM-dd HH:mm zzz} ({query.Zone.Id}), by {query.By.ToString().ToLowerInvariant()}{filter}, "
                + $"service level within {query.ServiceLevelSeconds} s; {counted}");
            StatisticsReport.WriteTable(output, rows, query.By, query.ServiceLevelSeconds);
        }

        return Ok;
    }

    /// <summary>CSV written to a stream, printed.</summary>
    private static async Task WriteCsvAsync(TextWriter output, Func<Stream, Task> write)
    {
        using var buffer = new MemoryStream();
        await write(buffer);
        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>The store settings as the engine would read them, validated; null (with the reasons printed) when invalid.</summary>
    private static async Task<StoreOptions?> StoreOptionsAsync(string[] configArgs, TextWriter error)
    {
        var configuration = BuildConfiguration(configArgs);
        var options = new StoreOptions();
        configuration.GetSection(StoreOptions.Section).Bind(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var provider = new StoreOptionsValidator().Validate(null, options);
        if (results.Count == 0 && provider.Succeeded) return options;
        await error.WriteLineAsync("error: the Store configuration is invalid:");
        foreach (var result in results) await error.WriteLineAsync("  - " + result.ErrorMessage);
        foreach (var failure in provider.Failures ?? []) await error.WriteLineAsync("  - " + failure);
        return null;
    }

    /// <summary>The configuration the engine would read: appsettings.json next to it, the environment, the
    /// <c>--Section:Key=value</c> arguments.</summary>
    private static IConfigurationRoot BuildConfiguration(string[] configArgs) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(configArgs)
            .Build();

    /// <summary>The store, or null with the exit code: 2 when it is in use by another process, is no store or the
    /// settings name no file (plain message, nothing changed), 1 when it cannot be read.</summary>
    private static async Task<(IClientStore? Store, int Code)> OpenStoreAsync(StoreOptions options, TextWriter error)
    {
        if (options.UsesPostgres) return await OpenPostgresAsync(options, error);
        var (store, code) = await OpenLiteDbAsync(options, error);
        return (store, code);
    }

    /// <summary>The LiteDB store (the report reads its statistics), or null with the exit code as <see cref="OpenStoreAsync"/>.</summary>
    private static async Task<(LiteDbClientStore? Store, int Code)> OpenLiteDbAsync(StoreOptions options, TextWriter error)
    {
        try
        {
            return (new LiteDbClientStore(options), Ok);
        }
        catch (ClientStoreException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            return (null, UsageError);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or LiteDB.LiteException)
        {
            await error.WriteLineAsync($"error: cannot open the client store {Path.GetFullPath(options.Path)}: {ex.Message}");
            return (null, Failed);
        }
    }

    private static async Task<int> ValidateAsync(string[] configArgs, string path, TextWriter output, TextWriter error)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            await error.WriteLineAsync($"error: no such file or folder: '{path}'.");
            return UsageError;
        }

        // The flows are checked against the budgets the engine would use (Flows:Budgets).
        if (await FlowsSettingsAsync(BuildConfiguration(configArgs), error) is not { } settings) return UsageError;
        var loaded = FlowSet.Load(path, new CallBudget(settings.Budgets).LoadOptions());
        if (!loaded.Succeeded)
        {
            await WriteDiagnosticsAsync(output, path, loaded.Diagnostics);
            var count = loaded.Diagnostics.Count;
            await error.WriteLineAsync(count == 0
                ? $"error: the flows in '{path}' did not load."
                : $"{count} problem{(count == 1 ? string.Empty : "s")} in '{path}'.");
            return Failed;
        }

        var flows = loaded.Set!.Flows.Count;
        await output.WriteLineAsync($"{flows} flow{(flows == 1 ? string.Empty : "s")} OK");
        return Ok;
    }

    /// <summary>Every problem as <c>file:line:column: message</c>, the file as the user gave it: relative when the
    /// path on the command line was relative.</summary>
    private static async Task WriteDiagnosticsAsync(TextWriter writer, string givenPath, IReadOnlyList<FlowDiagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            var file = diagnostic.Span.File;
            if (!Path.IsPathRooted(givenPath) && Path.IsPathRooted(file)) file = Path.GetRelativePath(Environment.CurrentDirectory, file);
            await writer.WriteLineAsync($"{file}:{diagnostic.Span.Line}:{diagnostic.Span.Column}: {diagnostic.Message}");
        }
    }

    private sealed record SimulateArguments(string Flow, string Ani, string Dnis, string? Keys, bool Json, string? Flows, string? At);

    private static async Task<int> SimulateAsync(string[] configArgs, SimulateArguments arguments, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ISimulatedCaller caller;
        if (arguments.Keys is not null)
        {
            if (!ScriptedCaller.TryParse(arguments.Keys, out var scripted, out var keysError))
            {
                await error.WriteLineAsync("error: " + keysError);
                return UsageError;
            }

            caller = scripted!;
        }
        else
        {
            // With --json the output is the JSON object alone: the questions go to the error stream.
            caller = new TerminalCaller(input, arguments.Json ? error : output);
        }

        var configuration = BuildConfiguration(configArgs);
        if (await FlowsSettingsAsync(configuration, error) is not { } settings) return UsageError;
        var flowsPath = arguments.Flows ?? settings.FullPath(AppContext.BaseDirectory);
        if (!File.Exists(flowsPath) && !Directory.Exists(flowsPath))
        {
            await error.WriteLineAsync($"error: no flows at '{flowsPath}': no such file or folder (give --flows <folder>).");
            return UsageError;
        }

        var budget = new CallBudget(settings.Budgets);
        var loaded = FlowSet.Load(flowsPath, budget.LoadOptions());
        if (!loaded.Succeeded)
        {
            await error.WriteLineAsync($"error: the flows in '{flowsPath}' do not load:");
            await WriteDiagnosticsAsync(error, flowsPath, loaded.Diagnostics);
            return UsageError;
        }

        var set = loaded.Set!;
        var flow = set.ByName(arguments.Flow);
        if (flow is null)
        {
            await error.WriteLineAsync($"error: there is no flow named '{arguments.Flow}' in '{flowsPath}'; there are: "
                + string.Join(", ", set.Flows.Select(f => f.Name)) + ".");
            return UsageError;
        }

        TimeProvider clock = TimeProvider.System;
        if (arguments.At is not null)
        {
            if (!FlowSimulation.TryParseAt(arguments.At, flow.TimeZone, out var instant, out var atError))
            {
                await error.WriteLineAsync("error: " + atError);
                return UsageError;
            }

            clock = new FixedTimeProvider(instant);
        }

        // Route steps ask the same routing rules the engine would use.
        var routingOptions = new RoutingOptions();
        configuration.GetSection(RoutingOptions.Section).Bind(routingOptions);
        var routingCheck = new RoutingOptionsValidator().Validate(null, routingOptions);
        if (routingCheck.Failed)
        {
            await error.WriteLineAsync("error: the routing rules are invalid: " + routingCheck.FailureMessage);
            return UsageError;
        }

        var routing = new RoutingRules(Options.Create(routingOptions));

        await using var profiles = await OpenProfilesAsync(configuration, error, cancellationToken);
        if (profiles is null) return UsageError;
        var directory = new StoreFlowDirectory(
            profiles.GetRequiredService<ClientLookup>(), profiles.GetRequiredService<IClientStore>(), profiles.GetRequiredService<CardFingerprints>());

        var trace = arguments.Json ? TextWriter.Null : output;
        if (!arguments.Json)
        {
            var served = set.ForDialedNumber(arguments.Dnis);
            await output.WriteLineAsync($"simulate {flow.Name}: {arguments.Ani} calls {arguments.Dnis}"
                + (arguments.At is null ? string.Empty : " at " + FlowSimulation.DescribeAt(clock.GetUtcNow(), flow.TimeZone))
                + (served is null || served == flow ? string.Empty : $" (note: the engine would run flow '{served.Name}' for {arguments.Dnis})"));
        }

        // Through the engine's own adapter, settings and budget: what the report shows is what FreeSWITCH would receive.
        var flowsFolder = Directory.Exists(flowsPath) ? flowsPath : Path.GetDirectoryName(Path.GetFullPath(flowsPath))!;
        var call = new ConsoleFlowCall(arguments.Ani, arguments.Dnis, caller, trace, set.Flows.Select(f => f.PromptsDirectory).OfType<string>(),
            directory.TransferVariables, settings, flowsFolder, budget);
        var result = await new FlowRunner(directory, clock, routing.IsConfigured ? routing : null).RunAsync(set, flow, call, cancellationToken);
        if (arguments.Json) await FlowSimulation.WriteJsonAsync(output, flow.Name, result, call.Channel);
        else await FlowSimulation.WriteTextAsync(output, flow.Name, result, call.Channel);
        return FlowSimulation.EndedNormally(result.Outcome) ? Ok : Failed;
    }

    /// <summary>The flows settings as the engine would read them (<c>Flows</c>), validated; null (with the reasons
    /// printed) when invalid.</summary>
    private static async Task<FlowsOptions?> FlowsSettingsAsync(IConfiguration configuration, TextWriter error)
    {
        var options = new FlowsOptions();
        configuration.GetSection(FlowsOptions.Section).Bind(options);
        var failures = FlowsOptionsValidator.Check(options);
        if (failures.Count == 0) return options;
        await error.WriteLineAsync("error: the Flows configuration is invalid:");
        foreach (var failure in failures) await error.WriteLineAsync("  - " + failure);
        return null;
    }

    /// <summary>The client store and lookup as the engine builds them (same settings, same classification), the
    /// store seeded with the demo data when it is empty and <c>Store:SeedDemoData</c> is on; null, with the reason
    /// printed, when the settings are invalid or the store cannot be opened.</summary>
    private static async Task<ServiceProvider?> OpenProfilesAsync(IConfiguration configuration, TextWriter error, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection()
            .AddClientProfiles(configuration)
            .AddClientClassification(configuration)
            .BuildServiceProvider();
        var path = configuration[StoreOptions.Section + ":Path"] ?? new StoreOptions().Path;
        try
        {
            var store = services.GetRequiredService<IClientStore>();
            if (store is PostgresClientStore postgres)
            {
                var options = services.GetRequiredService<IOptions<StoreOptions>>().Value;
                await PostgresStartup.RunAsync(options, () => PostgresStartup.MigrateOrCheckAsync(options, postgres.DataSource, postgres.EngineName,
                    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cancellationToken));
            }

            _ = services.GetRequiredService<ClientLookup>();
            if (services.GetRequiredService<IOptions<DemoDataOptions>>().Value.SeedDemoData && ClientProfilesStartup.IsNewStore(store)
                && await store.CountAsync(cancellationToken) == 0)
            {
                await services.GetRequiredService<DemoDataSeeder>().SeedAsync(cancellationToken);
            }

            return services;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync("error: the configuration is invalid:");
            foreach (var failure in ex.Failures) await error.WriteLineAsync("  - " + failure);
        }
        catch (ClientStoreException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            await error.WriteLineAsync($"error: cannot open the client store {Path.GetFullPath(path)}: {ex.Message}");
        }

        await services.DisposeAsync();
        return null;
    }

    private static async Task<int> RunEngineAsync(string[] args, TextWriter error)
    {
        IHost built;
        try
        {
            built = EngineHost.Build(args);
        }
        catch (InvalidDataException ex)
        {
            await error.WriteLineAsync("IvrEngine cannot start: " + ConfigurationFileProblem(ex));
            return UsageError;
        }
        catch (OptionsValidationException ex)
        {
            await WriteInvalidAsync(error, ex);
            return UsageError;
        }

        try
        {
            using var host = built;
            // The flows first: a broken folder stops the start before the host's services open (or create) the store.
            // The host's own start finds them loaded (FlowsStartup).
            host.Services.GetRequiredService<FlowCatalog>().Start();

            // Then a shared database: one that cannot be reached, refuses the credentials or lacks the schema stops the
            // start here, before any service starts.
            await PostgresStartup.PrepareAsync(host.Services, CancellationToken.None);
            await host.RunAsync();
            return Ok;
        }
        catch (OptionsValidationException ex)
        {
            await WriteInvalidAsync(error, ex);
            return UsageError;
        }
        catch (FlowsLoadException ex)
        {
            // Every problem was logged too, each as file:line:column: message.
            await error.WriteLineAsync("IvrEngine cannot start: " + ex.Message);
            return UsageError;
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync("IvrEngine cannot start: " + ex.Message);
            return UsageError;
        }
        catch (ClientStoreException ex)
        {
            await error.WriteLineAsync("IvrEngine cannot start: " + ex.Message);
            return UsageError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            await error.WriteLineAsync("IvrEngine cannot start, the client store cannot be opened: " + ex.Message);
            return UsageError;
        }
    }

    private static async Task WriteInvalidAsync(TextWriter error, OptionsValidationException ex)
    {
        await error.WriteLineAsync("IvrEngine cannot start, the configuration is invalid:");
        foreach (var failure in ex.Failures) await error.WriteLineAsync("  - " + failure);
    }
}
