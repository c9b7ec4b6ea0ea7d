using System.Globalization;
using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Web.Desk;

namespace IvrEngine.Tests.Web.Desk;

/// <summary>Waits on the desk's own signal (<see cref="DeskService.Changes"/>) and reads and writes the recorded
/// callcenter::info references (RealFreeSwitch/Agreement/Callcenter*.txt).</summary>
internal static class DeskTestKit
{
    /// <summary>The desk's state once <paramref name="condition"/> holds (now or after a change), else a timeout naming
    /// <paramref name="what"/> and the calls on the desk.</summary>
    public static async Task WaitForAsync(this DeskService desk, Func<DeskService, bool> condition, TimeSpan timeout, string what)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = desk.Changes.Subscribe(_ =>
        {
            if (condition(desk)) met.TrySetResult();
        }, ex => met.TrySetException(ex));
        if (condition(desk)) met.TrySetResult();
        try
        {
            await met.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the desk never showed {what}; calls: [{string.Join("; ", desk.AllCalls())}]; waiting: [{string.Join("; ", desk.Waiting())}]");
        }
    }

    /// <summary>The headers a reference keeps of a callcenter::info event: who raised it, and every CC-* header; whether
    /// it carries a channel's data (Unique-ID). Ids are written &lt;id&gt; and times &lt;time&gt;: they differ per run.</summary>
    public static List<KeyValuePair<string, string>> Normalise(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in headers)
        {
            if (name is not ("Event-Name" or "Event-Subclass" or "Event-Calling-File" or "Event-Calling-Function" or "Event-Calling-Line-Number"
                    or "Unique-ID") && !name.StartsWith("CC-", StringComparison.Ordinal))
            {
                continue;
            }

            var shown = Guid.TryParse(value, out _) ? "<id>"
                : name.EndsWith("-Time", StringComparison.Ordinal) && long.TryParse(value, CultureInfo.InvariantCulture, out _) ? "<time>"
                : value;
            kept.Add(new(name, shown));
        }

        return kept;
    }

    public static List<KeyValuePair<string, string>> Normalise(EslEvent e) => Normalise(e.GetAllHeaders());

    /// <summary>Renders blocks as a reference file: a comment, then per event "[action]" and its normalised headers.</summary>
    public static string Render(string comment, IEnumerable<List<KeyValuePair<string, string>>> events)
    {
        var text = new StringBuilder();
        foreach (var line in comment.Split('\n')) text.Append("# ").Append(line).Append('\n');
        foreach (var e in events)
        {
            text.Append('[').Append(e.First(h => h.Key == "CC-Action").Value).Append("]\n");
            foreach (var (name, value) in e) text.Append(name).Append(": ").Append(value).Append('\n');
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Reads a reference file back: the events in order, each its headers.</summary>
    public static List<List<KeyValuePair<string, string>>> Parse(string text)
    {
        var events = new List<List<KeyValuePair<string, string>>>();
        List<KeyValuePair<string, string>>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            if (line.StartsWith('['))
            {
                current = [];
                events.Add(current);
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            current!.Add(new(line[..colon], line[(colon + 2)..]));
        }

        return events;
    }

    public static string ReferencePath(string name) =>
        Path.Combine(RealFreeSwitch.RealFreeSwitchEnvironment.RepositoryRoot(), "IvrEngine.Tests", "RealFreeSwitch", "Agreement", name + ".txt");

    public static string Value(this List<KeyValuePair<string, string>> e, string name) => e.FirstOrDefault(h => h.Key == name).Value;
}
