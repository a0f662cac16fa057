using System.Diagnostics;

namespace RaftKv.Testing.Processes;

/// <summary>The environment every child process gets: plain, uncoloured, quiet output.</summary>
public static class ChildEnvironment
{
    public static void Apply(ProcessStartInfo info)
    {
        // Colour escapes would make log assertions and failure reports unreadable.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Small heaps and no tiered-compilation delay matter on a 2-core machine running many nodes.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_TieredPGO"] = "0";
    }
}
