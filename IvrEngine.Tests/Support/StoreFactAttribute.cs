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

/// <summary>A theory of the store contract: as <see cref="StoreFactAttribute"/>, for data rows.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("IvrEngine.Tests.Support.StoreTheoryDiscoverer", "IvrEngine.Tests")]
internal sealed class StoreTheoryAttribute : TheoryAttribute;

/// <summary>Finds <see cref="StoreTheoryAttribute"/> tests: one skipped case in a class that runs on PostgreSQL when it is
/// missing, else xunit's own theory cases.</summary>
public sealed class StoreTheoryDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    private readonly TheoryDiscoverer _theories = new(diagnosticMessageSink);

    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        if (PostgresServer.Missing is not null && StoreTestCase.RunsOnPostgres(testMethod.TestClass.Class.ToRuntimeType()))
        {
            return [new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
        }

        return _theories.Discover(discoveryOptions, testMethod, factAttribute);
    }
}
