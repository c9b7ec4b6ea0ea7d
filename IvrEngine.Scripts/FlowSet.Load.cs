using IvrEngine.Scripts.Loading;

namespace IvrEngine.Scripts;

public sealed partial class FlowSet
{
    /// <summary>Loads and validates one flow file or every <c>*.yaml</c>/<c>*.yml</c> file of a folder.</summary>
    public static FlowLoadResult Load(string fileOrFolder, FlowLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fileOrFolder);
        CheckOptions(options);
        return FlowLoader.Load(fileOrFolder, options ?? new FlowLoadOptions());
    }

    /// <summary>Loads and validates flows given as text (tests, tools): file name to YAML; prompt files are
    /// resolved against <paramref name="baseDirectory"/>.</summary>
    public static FlowLoadResult FromText(IReadOnlyDictionary<string, string> files, string baseDirectory, FlowLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(baseDirectory);
        CheckOptions(options);
        return FlowLoader.FromText(files, baseDirectory, options ?? new FlowLoadOptions());
    }

    private static void CheckOptions(FlowLoadOptions? options)
    {
        if (options is { UnboundedValueBytes: < 1 })
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.UnboundedValueBytes, "UnboundedValueBytes must be at least 1.");
        }
    }
}
