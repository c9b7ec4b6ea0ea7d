using Xunit.Abstractions;
using Xunit.Sdk;

namespace IvrEngine.Tests.Support;

/// <summary>A test of a contract both stores keep, written once in an abstract class and run by each store's subclass;
/// in a subclass marked <see cref="RequiresPostgresAttribute"/> it is skipped, with <see cref="PostgresServer.Missing"/>'s
/// message, where PostgreSQL is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("IvrEngine.Tests.Support.StoreFactDiscoverer", "IvrEngine.Tests")]
internal sealed class StoreFactAttribute : FactAttribute;

/// <summary>Marks a test class whose <see cref="StoreFactAttribute"/> tests need a real PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class RequiresPostgresAttribute : Attribute;

/// <summary>Finds <see cref="StoreFactAttribute"/> tests: a plain test case, or a skipped one in a class that needs
/// PostgreSQL where it is missing (the class is the one run, the subclass, not the one the method is written in).</summary>
internal sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var options = discoveryOptions.MethodDisplayOptionsOrDefault();
        if (PostgresServer.Missing is { } why && testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any())
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, options, testMethod, why)];
        }

        return [new XunitTestCase(diagnosticMessageSink, display, options, testMethod)];
    }
}
