namespace IvrEngine.Profiles;

/// <summary>A client store kept in a file (<see cref="LiteDbClientStore"/>, or the engine's shared lease of it): where
/// it is, whether this open created it, and its failures since.</summary>
public interface IStoreFile
{
    /// <summary>The full path of the store's file.</summary>
    string FilePath { get; }

    /// <summary>True when the file did not exist before the store was opened.</summary>
    bool Created { get; }

    /// <summary>The store's failures since it was opened.</summary>
    StoreHealth Health { get; }
}
