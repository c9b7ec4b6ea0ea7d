using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IvrEngine.Profiles;

/// <summary>Registers classification and client lookup with the host.</summary>
public static class ClassificationServices
{
    /// <summary>Binds section <c>Classification</c>, validates it at start, and adds <see cref="ClientClassifier"/> and
    /// <see cref="ClientLookup"/> as singletons. <see cref="ClientLookup"/> also needs <see cref="IClientStore"/>,
    /// <see cref="PhoneNormalizer"/> and <see cref="CardFingerprints"/> registered.</summary>
    public static IServiceCollection AddClientClassification(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ClassificationOptions>().Bind(configuration.GetSection(ClassificationOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClassificationOptions>, ClassificationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientClassifier>();
        services.TryAddSingleton<ClientLookup>();
        return services;
    }
}
