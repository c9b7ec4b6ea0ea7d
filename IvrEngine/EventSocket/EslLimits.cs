namespace IvrEngine.EventSocket;

/// <summary>Caps that keep a bad peer from eating memory. A frame over a cap closes that connection only.</summary>
public sealed record EslLimits
{
    /// <summary>Largest header block, terminator included. The connect reply carries the whole channel data in its
    /// header block (about 4 KB on a plain call, more with many variables).</summary>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;

    /// <summary>Largest Content-Length accepted.</summary>
    public int MaxContentLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static EslLimits Default { get; } = new();
}
