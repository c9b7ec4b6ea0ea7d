using IvrEngine.Scripts;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>A temporary folder of flow files and prompt files, deleted afterwards.</summary>
internal sealed class FlowFiles : IDisposable
{
    public FlowFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "ivr-flows-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The folder, absolute.</summary>
    public string Folder { get; }

    /// <summary>Writes a file (UTF-8, no BOM) under the folder and returns its full path.</summary>
    public string Write(string relativePath, string text) => WriteBytes(relativePath, new System.Text.UTF8Encoding(false).GetBytes(text));

    public string WriteBytes(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Creates empty prompt files.</summary>
    public void Prompts(string folder, params string[] files)
    {
        foreach (var file in files)
        {
            Write(Path.Combine(folder, file), string.Empty);
        }
    }

    /// <summary>Flows as text, resolved against the folder.</summary>
    public FlowLoadResult FromText(params (string File, string Yaml)[] files) =>
        FlowSet.FromText(files.ToDictionary(f => f.File, f => f.Yaml), Folder);

    /// <summary>Loads the whole folder (or a path under it).</summary>
    public FlowLoadResult Load(string relativePath = "", FlowLoadOptions? options = null) =>
        FlowSet.Load(relativePath.Length == 0 ? Folder : Path.Combine(Folder, relativePath), options);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Assertion helpers.</summary>
internal static class LoadResultExtensions
{
    /// <summary>Every diagnostic as <c>file:line:column: message</c>.</summary>
    public static List<string> Problems(this FlowLoadResult result) => [.. result.Diagnostics.Select(d => d.ToString())];

    /// <summary>Asserts the set loaded and returns it.</summary>
    public static FlowSet ShouldLoad(this FlowLoadResult result)
    {
        result.Problems().Should().BeEmpty();
        result.Succeeded.Should().BeTrue();
        return result.Set!;
    }

    /// <summary>Asserts exactly these problems and no set.</summary>
    public static void ShouldReport(this FlowLoadResult result, params string[] problems)
    {
        result.Problems().Should().Equal(problems);
        result.Set.Should().BeNull();
        result.Succeeded.Should().BeFalse();
    }
}
