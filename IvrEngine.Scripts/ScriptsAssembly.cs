namespace IvrEngine.Scripts;

/// <summary>Marker for the admins' menu language; the language itself arrives with the IVR menus issue.</summary>
public static class ScriptsAssembly
{
    /// <summary>The assembly's name, for diagnostics.</summary>
    public const string Name = "IvrEngine.Scripts";
}
