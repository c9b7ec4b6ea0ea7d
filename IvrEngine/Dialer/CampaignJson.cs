using System.Text.Json;
using System.Text.Json.Serialization;

namespace IvrEngine.Dialer;

/// <summary>How a campaign is written as JSON, by the command line (<c>campaign save</c> and <c>show</c>) and the admin
/// page's API alike: camelCase names, states and days as words (<c>"running"</c>, <c>"monday"</c>), times and waits as
/// <c>hh:mm:ss</c>; comments and trailing commas are allowed in what is read.</summary>
public static class CampaignJson
{
    /// <summary>The options.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}
