namespace IvrEngine.Tests.Browser;

/// <summary>A test in a real (headless) Chromium: skipped, with one message saying what is missing and how to install
/// it, where Chromium is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (BrowserEnvironment.Missing is { } why) Skip = why;
    }
}
