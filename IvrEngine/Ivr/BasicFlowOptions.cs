using System.ComponentModel.DataAnnotations;

namespace IvrEngine.Ivr;

/// <summary>The built-in flow that serves every call until admins' scripted menus take over: answer, greet, ask for
/// an account number, attach what was collected, hand the call on.</summary>
public sealed class BasicFlowOptions
{
    /// <summary>Played after answering.</summary>
    [Required]
    public string Greeting { get; set; } = "ivr/ivr-welcome.wav";

    /// <summary>Asks for the account number.</summary>
    [Required]
    public string AccountPrompt { get; set; } = "ivr/ivr-please_enter_account_number.wav";

    /// <summary>Played after a wrong entry.</summary>
    [Required]
    public string InvalidPrompt { get; set; } = "ivr/ivr-that_was_an_invalid_entry.wav";

    /// <summary>Account numbers: fewest digits.</summary>
    [Range(1, 32)]
    public int AccountMinDigits { get; set; } = 4;

    /// <summary>Account numbers: most digits.</summary>
    [Range(1, 32)]
    public int AccountMaxDigits { get; set; } = 16;

    /// <summary>Tries before giving up.</summary>
    [Range(1, 10)]
    public int Tries { get; set; } = 3;

    /// <summary>Seconds to wait for the first digit.</summary>
    [Range(1, 60)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>Where identified and unidentified callers go (an extension in <see cref="TransferContext"/>).</summary>
    [Required]
    public string TransferDestination { get; set; } = "queue_general";

    /// <summary>The dialplan context of the transfer target.</summary>
    [Required]
    public string TransferContext { get; set; } = "default";
}
