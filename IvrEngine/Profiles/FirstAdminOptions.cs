using Microsoft.Extensions.Options;

namespace IvrEngine.Profiles;

/// <summary>The first admin, made at start when the store has no user: <c>Web:Admin:UserName</c> and
/// <c>Web:Admin:Password</c> (e.g. <c>Web__Admin__Password</c> in the environment). Both or neither; ignored once the
/// store has a user (change passwords with <c>users passwd</c> or the admin page, not here).</summary>
public sealed class FirstAdminOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Web:Admin";

    /// <summary>The admin's sign-in name.</summary>
    public string? UserName { get; set; }

    /// <summary>The admin's password (at least <see cref="UserAccounts.MinPasswordLength"/> characters).</summary>
    public string? Password { get; set; }

    /// <summary>The name shown on the page (the user name when not set).</summary>
    public string? DisplayName { get; set; }

    /// <summary>True when either setting is given (then both must be, and valid).</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(UserName) || !string.IsNullOrEmpty(Password);
}

/// <summary>Refuses a first admin that could not be made (a start that would go on without the admin it was told to
/// make is worse than one that stops and says why). Never repeats the password.</summary>
internal sealed class FirstAdminOptionsValidator : IValidateOptions<FirstAdminOptions>
{
    public ValidateOptionsResult Validate(string? name, FirstAdminOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured) return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.UserName) || string.IsNullOrEmpty(options.Password))
        {
            failures.Add("Web:Admin:UserName and Web:Admin:Password must be set together (or neither).");
        }

        if (!string.IsNullOrEmpty(options.UserName) && UserAccounts.CheckUserName(options.UserName) is { } badName)
        {
            failures.Add("Web:Admin:UserName: " + badName);
        }

        if (!string.IsNullOrEmpty(options.Password) && UserAccounts.CheckPassword(options.Password) is { } badPassword)
        {
            failures.Add("Web:Admin:Password: " + badPassword);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
