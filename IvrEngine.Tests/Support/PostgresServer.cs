using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace IvrEngine.Tests.Support;

/// <summary>A real PostgreSQL server for the tests, on loopback, in a temporary folder: initdb, then the server on a
/// free port, once per test run (<see cref="Shared"/>), stopped when the run ends. PostgreSQL refuses to run as root,
/// so a root test run starts it as the unprivileged user <c>nobody</c> (through <c>runuser</c>). Each test takes a
/// database of its own (<see cref="CreateDatabaseAsync"/>). Knows nothing of xunit, so the benchmarks can use it too.</summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable naming the folder that holds initdb, pg_ctl and postgres.</summary>
    public const string BinVariable = "IVR_POSTGRES_BIN";

    /// <summary>The user a root test run starts PostgreSQL as.</summary>
    public const string ServerUser = "nobody";

    // The test process that made a server's folder (its id), so a run beside it never removes a folder in use.
    private const string OwnerFile = "owner.pid";

    private static readonly Lazy<string?> s_missing = new(FindMissing);
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static PostgresServer? s_shared;
    private static int s_databases;

    private readonly string _folder;
    private bool _disposed;

    private PostgresServer(string bin, string folder, int port)
    {
        Bin = bin;
        _folder = folder;
        Port = port;
    }

    /// <summary>The folder of PostgreSQL's programs.</summary>
    public string Bin { get; }

    /// <summary>The port it listens on (127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>The server's log file.</summary>
    public string LogFile => Path.Combine(_folder, "postgres.log");

    /// <summary>Null when PostgreSQL is installed; else the one message every PostgreSQL test is skipped with.</summary>
    public static string? Missing => s_missing.Value;

    /// <summary>The connection string of the server's maintenance database.</summary>
    public string AdminConnectionString => ConnectionStringOf("postgres");

    /// <summary>The server of this test run, started on first use.</summary>
    public static async Task<PostgresServer> SharedAsync()
    {
        await s_gate.WaitAsync();
        try
        {
            if (s_shared is null)
            {
                s_shared = await StartAsync();
                var server = s_shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
            }

            return s_shared;
        }
        finally
        {
            s_gate.Release();
        }
    }

    /// <summary>A new, empty database on the shared server; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? name = null)
    {
        var server = await SharedAsync();
        var database = name ?? $"t{Environment.ProcessId}_{Interlocked.Increment(ref s_databases)}";
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await command.ExecuteNonQueryAsync();
        return server.ConnectionStringOf(database);
    }

    /// <summary>The connection string of <paramref name="database"/> on this server.</summary>
    public string ConnectionStringOf(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = true,
        }.ConnectionString;

    /// <summary>Starts a server of its own (the benchmarks, a test that stops it).</summary>
    /// <param name="durable">False (tests): fsync off, which loses nothing unless the machine itself fails. True: the
    /// server's defaults (every commit synced), for measurements.</param>
    public static async Task<PostgresServer> StartAsync(bool durable = false)
    {
        if (Missing is { } why) throw new InvalidOperationException(why);
        var bin = FindBin()!;
        RemoveStaleFolders();
        var folder = Directory.CreateTempSubdirectory("ivrengine-pg-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var data = Path.Combine(folder, "data");
        var asRoot = Environment.IsPrivilegedProcess;
        if (asRoot) await RunAsync("chown", ["-R", ServerUser, folder]);
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"], asRoot);

        // A port is free when asked, but another process may take it before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var settings = string.Join(' ',
                "-c listen_addresses=127.0.0.1", $"-c port={port.ToString(CultureInfo.InvariantCulture)}", $"-c unix_socket_directories={folder}",
                "-c max_connections=300", "-c shared_buffers=128MB", durable ? string.Empty : "-c fsync=off -c full_page_writes=off");
            try
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(folder, "postgres.log"), "-w", "-t", "60", "-o", settings, "start"], asRoot);
                return new PostgresServer(bin, folder, port);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Stops the server at once and removes its folder.</summary>
    public void Stop()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            RunAsync(Path.Combine(Bin, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], Environment.IsPrivilegedProcess)
                .GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes the folders of earlier runs whose test process is gone and whose server is stopped (a run's exit
    /// may cut its own removal short). A folder of a run still going (another test process beside this one) is kept.</summary>
    private static void RemoveStaleFolders()
    {
        foreach (var stale in Directory.GetDirectories(Path.GetTempPath(), "ivrengine-pg-*"))
        {
            if (File.Exists(Path.Combine(stale, "data", "postmaster.pid")) || OwnerAlive(stale)) continue;
            try
            {
                Directory.Delete(stale, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool OwnerAlive(string folder)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(folder, OwnerFile));
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
            using var owner = Process.GetProcessById(pid);
            return !owner.HasExited;
        }
        catch (IOException)
        {
            // No owner file: a folder of an older fixture, or one being made this instant; keep it unless it is old.
            return Directory.GetCreationTimeUtc(folder) > DateTime.UtcNow.AddHours(-1);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The folder of PostgreSQL's programs: <c>IVR_POSTGRES_BIN</c>, else the newest of Debian's
    /// /usr/lib/postgresql/N/bin, else the folder of <c>pg_ctl</c> on the PATH.</summary>
    private static string? FindBin()
    {
        if (Environment.GetEnvironmentVariable(BinVariable) is { Length: > 0 } configured) return configured;
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Dir, "bin", "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin"))
                .FirstOrDefault();
            if (newest is not null) return newest;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "initdb"))) return dir;
        }

        return null;
    }

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux()) return "PostgreSQL tests skipped: they start a PostgreSQL server on Linux only.";
        if (FindBin() is null)
        {
            return "PostgreSQL tests skipped: PostgreSQL is not installed (no initdb and pg_ctl under /usr/lib/postgresql/N/bin or on the "
                 + $"PATH; set {BinVariable} to their folder). Install Debian's postgresql package, as .ci/run does.";
        }

        if (Environment.IsPrivilegedProcess && FindOnPath("runuser") is null)
        {
            return "PostgreSQL tests skipped: the tests run as root, PostgreSQL refuses to, and runuser (util-linux) is missing to start it as "
                 + ServerUser + ".";
        }

        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to its end (as <see cref="ServerUser"/> when <paramref name="asServerUser"/>); throws with
    /// its output when it fails.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asServerUser = false)
    {
        var start = new ProcessStartInfo(asServerUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asServerUser)
        {
            foreach (var a in new[] { "-u", ServerUser, "--", program }) start.ArgumentList.Add(a);
        }

        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(patience.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
