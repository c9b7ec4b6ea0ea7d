using Xunit.Abstractions;
using Xunit.Sdk;

namespace IvrEngine.Tests.Support;

/// <summary>A test of the store contract (<c>IClientStore</c>, <c>IDeskStore</c>), written once in an abstract class
/// and run by each store's subclass: <c>StoreTests&lt;LiteDbStorage&gt;</c> runs it on a LiteDB file,
/// <c>StoreTests&lt;PostgresStorage&gt;</c> on a fresh PostgreSQL database, skipped with
/// <see cref="PostgresServer.Missing"/>'s message where PostgreSQL is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("IvrEngine.Tests.Support.StoreFactDiscoverer", "IvrEngine.Tests")]
internal sealed class StoreFactAttribute : FactAttribute;

/// <summary>Finds <see cref="StoreFactAttribute"/> tests, skipping them in classes that run on PostgreSQL when it is missing.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        return [new StoreTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}

/// <summary>A contract test; skipped when its class runs on PostgreSQL and PostgreSQL is missing.</summary>
public sealed class StoreTestCase : XunitTestCase
{
    /// <summary>For the deserializer.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, display, displayOptions, testMethod)
    {
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        RunsOnPostgres(TestMethod.TestClass.Class.ToRuntimeType()) ? PostgresServer.Missing ?? base.GetSkipReason(factAttribute) : base.GetSkipReason(factAttribute);

    /// <summary>True for a class whose store is PostgreSQL (a subclass of a contract over <see cref="PostgresStorage"/>).</summary>
    internal static bool RunsOnPostgres(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericArguments().Contains(typeof(PostgresStorage))) return true;
        }

        return false;
    }
}
