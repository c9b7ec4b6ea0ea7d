namespace IvrEngine.Profiles;

/// <summary>What a view or a call keeps of a card's notes: the newest few, each text cut to a size. A client with
/// thousands of notes then costs a screen pop or a call a few kilobytes, not megabytes; the notes stay in the store.</summary>
public static class NoteWindow
{
    /// <summary>The newest <paramref name="count"/> notes, newest first, texts cut to <paramref name="chars"/>
    /// characters (ending in "…"); <paramref name="more"/> says how many older ones are left out.</summary>
    public static IReadOnlyList<ClientNote> Newest(IReadOnlyCollection<ClientNote> notes, int count, int chars, out int more)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(chars, 2);
        more = Math.Max(0, notes.Count - count);
        return [.. notes.OrderByDescending(n => n.At).Take(count).Select(n => Cut(n, chars))];
    }

    /// <summary>The note with its text cut to <paramref name="chars"/> characters (the last one "…"), never splitting
    /// a surrogate pair; the note itself when it fits.</summary>
    public static ClientNote Cut(ClientNote note, int chars)
    {
        ArgumentNullException.ThrowIfNull(note);
        var text = note.Text ?? string.Empty;
        if (text.Length <= chars) return note;
        var end = chars - 1;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return new ClientNote { Text = string.Concat(text.AsSpan(0, end), "…"), Author = note.Author, At = note.At };
    }
}
