namespace IvrEngine.Calls;

/// <summary>How a batch of variables goes onto a FreeSWITCH channel: as few <c>multiset</c> executes as can carry it,
/// <c>set</c>s of their own for the values a <c>multiset</c> would change, and <c>uuid_setvar</c> for values holding '$'.
/// </summary>
/// <remarks>
/// <para><c>multiset ^^|a=1|b=2</c> (mod_dptools) takes its delimiter from the character after <c>^^</c>, splits the
/// rest with <c>switch_separate_string</c> (at most 256 parts) and sets each part as <c>set</c> would. That split reads
/// backslash escapes and single quotes, and strips spaces around each part; and FreeSWITCH expands an application's
/// argument that holds <c>${</c>, <c>\$</c> or <c>\'</c> before running it. So a value goes in a <c>multiset</c> only
/// when it holds none of <c>\ ' " $</c>, no control character, not the delimiter, and does not end in a space; any other
/// value keeps the command it had (a <c>set</c>, which takes the rest of its argument whole).</para>
/// <para>An exported batch also sets <c>export_vars</c> to the complete list, in the same command: the
/// <c>export</c> application sets the variable and appends its name to <c>export_vars</c>, nothing more.</para>
/// </remarks>
internal sealed class MultiSetPlan
{
    /// <summary>The largest number of variables in one <c>multiset</c>, under FreeSWITCH's 256 parts.</summary>
    internal const int MaxPerCommand = 200;

    // Delimiters FreeSWITCH's split treats as plain characters; none can appear in a variable name or in
    // export_vars (names and commas).
    private const string Delimiters = "|~`!#%&*+:;@";

    private MultiSetPlan(List<string> multiSets, List<KeyValuePair<string, string>> singles, List<KeyValuePair<string, string>> raw)
    {
        MultiSets = multiSets;
        Singles = singles;
        Raw = raw;
    }

    /// <summary>The arguments of the <c>multiset</c> executes, in order.</summary>
    public IReadOnlyList<string> MultiSets { get; }

    /// <summary>Values that go by a <c>set</c> (or, with no <c>multiset</c>, an <c>export</c>) of their own.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Singles { get; }

    /// <summary>Values holding '$', for <c>uuid_setvar</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Raw { get; }

    /// <summary>Plans <paramref name="batch"/> (names already checked). <paramref name="exportList"/> is the channel's
    /// <c>export_vars</c> once the batch is exported, or null for a batch that is only set.</summary>
    public static MultiSetPlan Make(IReadOnlyDictionary<string, string> batch, string? exportList)
    {
        var fit = new List<KeyValuePair<string, string>>(batch.Count);
        var singles = new List<KeyValuePair<string, string>>();
        var raw = new List<KeyValuePair<string, string>>();
        foreach (var pair in batch)
        {
            if (NeedsRawSet(pair.Value)) raw.Add(pair);
            else if (Fits(pair.Value)) fit.Add(pair);
            else singles.Add(pair);
        }

        // One value alone, only set, keeps its own set: a multiset saves nothing there.
        if (exportList is null && fit.Count < 2)
        {
            singles.InsertRange(0, fit);
            return new MultiSetPlan([], singles, raw);
        }

        var delimiter = ChooseDelimiter(fit);
        var carried = new List<KeyValuePair<string, string>>(fit.Count + 1);
        foreach (var pair in fit)
        {
            if (pair.Value.Contains(delimiter, StringComparison.Ordinal)) singles.Add(pair);
            else carried.Add(pair);
        }

        if (exportList is not null) carried.Add(new("export_vars", exportList));
        var multiSets = new List<string>((carried.Count + MaxPerCommand - 1) / MaxPerCommand);
        for (var start = 0; start < carried.Count; start += MaxPerCommand)
        {
            multiSets.Add(Argument(carried, start, Math.Min(carried.Count, start + MaxPerCommand), delimiter));
        }

        return new MultiSetPlan(multiSets, singles, raw);
    }

    /// <summary><c>^^|a=1|b=2</c> for <paramref name="carried"/>[start..end), written once at its exact length (the
    /// argument carries the whole context: a few kilobytes on every transfer).</summary>
    private static string Argument(List<KeyValuePair<string, string>> carried, int start, int end, char delimiter)
    {
        var length = 3;
        for (var i = start; i < end; i++) length += 2 + carried[i].Key.Length + carried[i].Value.Length;
        return string.Create(length, (carried, start, end, delimiter), static (span, state) =>
        {
            span[0] = '^';
            span[1] = '^';
            span[2] = state.delimiter;
            var at = 3;
            for (var i = state.start; i < state.end; i++)
            {
                var (name, value) = state.carried[i];
                span[at++] = state.delimiter;
                name.CopyTo(span[at..]);
                at += name.Length;
                span[at++] = '=';
                value.CopyTo(span[at..]);
                at += value.Length;
            }
        });
    }

    /// <summary>Whether <paramref name="value"/> must go by <c>uuid_setvar</c>: FreeSWITCH expands an application's
    /// argument holding '$' (<c>${...}</c> runs APIs), an api command's it does not.</summary>
    internal static bool NeedsRawSet(string value) => value.Contains('$', StringComparison.Ordinal);

    /// <summary>Whether FreeSWITCH's <c>multiset</c> sets <paramref name="value"/> as it is.</summary>
    internal static bool Fits(string value)
    {
        if (value.Length > 0 && value[^1] == ' ') return false;
        foreach (var c in value)
        {
            if (c is '\\' or '\'' or '"' or '$' || char.IsControl(c)) return false;
        }

        return true;
    }

    private static char ChooseDelimiter(List<KeyValuePair<string, string>> fit)
    {
        foreach (var candidate in Delimiters)
        {
            if (!fit.Exists(p => p.Value.Contains(candidate, StringComparison.Ordinal))) return candidate;
        }

        return Delimiters[0];
    }
}
