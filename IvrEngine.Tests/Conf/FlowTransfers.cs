using YamlDotNet.RepresentationModel;

namespace IvrEngine.Tests.Conf;

/// <summary>The queues and agents the flows in <c>IvrEngine/flows/</c> transfer to (a step
/// <c>transfer: { queue: X }</c> or <c>transfer: { agent: X }</c>), read from whatever flows are there at test time.
/// A target given as an expression (<c>'=...'</c>) is only known at run time and is left out.</summary>
internal static class FlowTransfers
{
    public static string FlowsFolder => Path.Combine(FreeSwitchConf.RepositoryRoot(), "IvrEngine", "flows");

    /// <summary>(flow file, kind, target) for every literal transfer target.</summary>
    public static IReadOnlyList<(string File, string Kind, string Target)> All()
    {
        if (!Directory.Exists(FlowsFolder)) return [];
        var found = new List<(string, string, string)>();
        foreach (var file in Directory.GetFiles(FlowsFolder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                stream.Load(reader);
            }

            foreach (var document in stream.Documents)
            {
                Collect(Path.GetFileName(file), document.RootNode, found);
            }
        }

        return found;
    }

    public static IReadOnlyList<(string File, string Target)> Queues() =>
        [.. All().Where(t => t.Kind == "queue").Select(t => (t.File, t.Target))];

    public static IReadOnlyList<(string File, string Target)> Agents() =>
        [.. All().Where(t => t.Kind == "agent").Select(t => (t.File, t.Target))];

    private static void Collect(string file, YamlNode node, List<(string, string, string)> found)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is YamlScalarNode { Value: "transfer" } && value is YamlMappingNode transfer)
                    {
                        foreach (var (kind, target) in transfer.Children)
                        {
                            if (kind is YamlScalarNode { Value: "queue" or "agent" } k && target is YamlScalarNode { Value: { } t }
                                && !t.StartsWith('='))
                            {
                                found.Add((file, k.Value!, t.Trim()));
                            }
                        }
                    }

                    Collect(file, value, found);
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children) Collect(file, child, found);
                break;
        }
    }
}
