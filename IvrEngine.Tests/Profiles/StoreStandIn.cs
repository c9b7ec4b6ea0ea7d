using System.Reflection;
using System.Runtime.ExceptionServices;
using IvrEngine.Profiles;
using IvrEngine.Statistics;

namespace IvrEngine.Tests.Profiles;

/// <summary>Every face of the engine's store (the desk's, the statistics' and the file's are resolved from the client
/// store).</summary>
public interface IStoreFaces : IClientStore, IDeskStore, IStatisticsStore, IStoreFile
{
}

/// <summary>A test's stand-in for a real store: every call goes through to the real one, unless the test's interceptor
/// answers it otherwise. The interceptor gets the method, its arguments and the call through to the real store; new
/// members of the store's interfaces go through without the stand-in being touched.</summary>
public class StoreStandIn : DispatchProxy
{
    private object _inner = null!;
    private Func<MethodInfo, object?[], Func<object?>, object?> _intercept = null!;

    /// <summary>The stand-in over <paramref name="inner"/> (a store that has every face it is asked for).</summary>
    public static IStoreFaces Over(object inner, Func<MethodInfo, object?[], Func<object?>, object?> intercept)
    {
        var faces = Create<IStoreFaces, StoreStandIn>();
        var standIn = (StoreStandIn)(object)faces;
        standIn._inner = inner;
        standIn._intercept = intercept;
        return faces;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var arguments = args ?? [];
        return _intercept(targetMethod, arguments, () => Forward(targetMethod, arguments));
    }

    private object? Forward(MethodInfo method, object?[] args)
    {
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
