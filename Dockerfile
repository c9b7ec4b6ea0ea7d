# IvrEngine in a container.
#
#   docker build -t ivrengine .
#   docker run -d --name ivrengine -p 10.0.0.5:8084:8084 -v ivrengine-data:/app/data \
#     -v /srv/ivr/flows:/app/flows:ro -e Flows__FreeSwitchPromptPath=/srv/ivr/flows \
#     -e Store__CardFingerprintKey=<secret> --stop-timeout 45 ivrengine
#
# Build: the SDK image restores (project files first, so a code change does not restore again) and publishes the
# engine framework-dependent. Run: the ASP.NET Core runtime image (the engine uses the ASP.NET Core shared
# framework), Ubuntu 24.04 based for .NET 10, which ships tzdata (the flows' IANA time zones) and the non-root user
# `app` (APP_UID 1654). The build sets InvariantGlobalization, so no culture data is needed.
#
# What to mount:
#   /app/data   the client store (LiteDB, Store:Path). A volume: it must outlive the container.
#   /app/flows  the flows and their prompts. The image carries the sample flows; bind your own folder over it.
#               FreeSWITCH plays the prompts from its own file system: mount the same folder into FreeSWITCH and
#               set Flows__FreeSwitchPromptPath to where FreeSWITCH sees it.
# Settings are environment variables (Section__Key), e.g. Engine__MaxLiveCalls, Engine__Inbound__Enabled,
# Engine__Inbound__Host, Engine__Inbound__Password (the FreeSWITCH event socket password), Store__CardFingerprintKey.
#
# Security: in a container the engine must listen on 0.0.0.0, because FreeSWITCH connects from outside it. The
# outbound socket has no authentication: whoever reaches port 8084 is taken for FreeSWITCH and is played the flows
# (balances included) for any caller number it claims. Publish the port only on the address FreeSWITCH uses
# (-p <private ip>:8084:8084) or on a private container network, firewall it, never on a public interface. With
# --network host, set Engine__ListenAddress=127.0.0.1 instead.
#
# Stopping: on SIGTERM the engine drains live calls for Engine:DrainSeconds (30 s) before closing their sockets
# (FreeSWITCH then continues their dialplan); give it longer than Docker's default 10 s: --stop-timeout 45, or
# stop_grace_period: 45s in compose.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Restore from the project files alone (and the build settings, analyzers' .editorconfig included: the build treats
# warnings as errors with the same rules as a developer's machine).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY IvrEngine/IvrEngine.csproj IvrEngine/EngineRuntime.props IvrEngine/
COPY IvrEngine.Scripts/IvrEngine.Scripts.csproj IvrEngine.Scripts/
RUN dotnet restore IvrEngine/IvrEngine.csproj

COPY IvrEngine/ IvrEngine/
COPY IvrEngine.Scripts/ IvrEngine.Scripts/
RUN dotnet publish IvrEngine/IvrEngine.csproj -c Release --no-restore -o /out /p:UseAppHost=false \
    && mkdir -p /out/flows


FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
WORKDIR /app

# The engine's files belong to root and are read-only for the engine; only the data folder is its own.
COPY --from=build /out/ /app/
# /home/app/.aspnet/DataProtection-Keys: where ASP.NET Core keeps the keys that protect sign-in cookies (the user's
# home). Made here so that a volume mounted there belongs to the engine: several engines behind one load balancer
# share one volume there, so a cookie made by one is read by the others (docs/deployment.md).
RUN mkdir -p /app/data /home/app/.aspnet/DataProtection-Keys \
    && chown "$APP_UID:$APP_UID" /app/data /home/app/.aspnet /home/app/.aspnet/DataProtection-Keys

ENV Engine__ListenAddress=0.0.0.0 \
    Engine__ListenPort=8084 \
    Web__Urls=http://127.0.0.1:8080 \
    Store__Path=/app/data/ivrengine.db \
    Flows__Path=/app/flows \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1

VOLUME ["/app/data"]
EXPOSE 8084

USER $APP_UID

# Probes GET /health on loopback inside the container with bash alone (the image has no curl or wget), so the
# outbound-socket port is left alone: a bare TCP connect to 8084 would be taken for FreeSWITCH and logged as a
# failed call every time. The engine serves /health at Web__Urls (200 when ready, 503 while starting or draining);
# a Web__Urls on another port (or Web__Enabled=false) needs this probe changed too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "IvrEngine.dll"]
