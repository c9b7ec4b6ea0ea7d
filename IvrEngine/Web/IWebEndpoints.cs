using Microsoft.AspNetCore.Builder;

namespace IvrEngine.Web;

/// <summary>Endpoints a layer above the web app adds to it (Hosting's <c>/metrics</c>), mapped after the web app's own
/// and behind the same security middleware. Registered with the engine's services.</summary>
public interface IWebEndpoints
{
    /// <summary>Maps the endpoints; each names its own authorization policy.</summary>
    void Map(WebApplication app);
}
