namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Positions in test YAML, so an expected message says where its token is instead of a bare number.</summary>
internal static class FlowText
{
    /// <summary><c>line:column</c> (1-based) of the <paramref name="nth"/> occurrence of <paramref name="marker"/>.</summary>
    public static string At(string yaml, string marker, int nth = 1)
    {
        var index = -1;
        for (var i = 0; i < nth; i++)
        {
            index = yaml.IndexOf(marker, index + 1, StringComparison.Ordinal);
            if (index < 0)
            {
                throw new ArgumentException($"'{marker}' occurs fewer than {nth} times");
            }
        }

        var line = 1 + yaml[..index].Count(c => c == '\n');
        var lineStart = index == 0 ? 0 : yaml.LastIndexOf('\n', index - 1) + 1;
        var column = index - lineStart + 1;
        return $"{line}:{column}";
    }
}
