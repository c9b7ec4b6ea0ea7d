namespace IvrEngine.Profiles;

/// <summary>The file formats clients are imported from and exported to.</summary>
public enum ClientFileFormat
{
    /// <summary>CSV with a header row; lists inside a field are separated by <c>;</c>.</summary>
    Csv,

    /// <summary>A JSON array of client objects.</summary>
    Json,
}

/// <summary>What an import did.</summary>
/// <param name="Read">Rows (CSV) or array items (JSON) read.</param>
/// <param name="Imported">Clients stored.</param>
/// <param name="Rejected">The rows that were not stored, in file order, each with a plain reason.</param>
public sealed record ImportReport(int Read, int Imported, IReadOnlyList<RejectedRow> Rejected);

/// <summary>A row that was not imported.</summary>
/// <param name="Line">CSV: the file line the row starts on (the header is line 1). JSON: the item's position in the
/// array, from 1.</param>
/// <param name="Name">The row's name field as written (may be empty).</param>
/// <param name="Reason">Why, in plain words (e.g. <c>phone 'abc' is not a phone number</c>).</param>
public sealed record RejectedRow(int Line, string Name, string Reason);

/// <summary>The file cannot be imported at all (missing, not CSV/JSON, no name column, ...). Bad rows never raise
/// this: they are reported in <see cref="ImportReport.Rejected"/>.</summary>
public sealed class ClientImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClientImportException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public ClientImportException() { }

    /// <summary>Creates the exception.</summary>
    public ClientImportException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Helpers shared by import and export.</summary>
public static class ClientFileFormats
{
    /// <summary>The format a file name implies (<c>.csv</c>, <c>.json</c>); null for anything else.</summary>
    public static ClientFileFormat? FromPath(string path)
    {
        var extension = System.IO.Path.GetExtension(path);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase)) return ClientFileFormat.Csv;
        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase)) return ClientFileFormat.Json;
        return null;
    }

    /// <summary>The given format, else the one <paramref name="path"/>'s extension implies; a clear error otherwise.</summary>
    internal static ClientFileFormat Resolve(string path, ClientFileFormat? format) =>
        format ?? FromPath(path)
        ?? throw new ClientImportException($"Cannot tell the format of '{path}' from its extension; name it .csv or .json, or give --format csv|json.");

    /// <summary>Opens a client file for import (read) or export (create), turning I/O failures into a plain message.</summary>
    internal static FileStream Open(string path, bool forWriting)
    {
        try
        {
            return forWriting
                ? new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true)
                : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClientImportException($"Cannot {(forWriting ? "write" : "read")} '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>The columns of the CSV form, in order (JSON uses the same names).</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "name", "company", "phones", "accounts", "cards", "category", "language", "city", "country", "timezone",
        "manager", "balance", "overdue", "has_contract", "notes", "orders",
    ];
}
