using System.Reflection;

namespace RaftKv.Testing.Processes;

/// <summary>
/// Finds the raftnode and raftctl programs the tests run: <c>dotnet src/raftnode/bin/CONFIG/net10.0/raftnode.dll</c>,
/// CONFIG being the configuration this assembly was built in (so a Release test run tests Release binaries).
/// </summary>
/// <remarks>
/// A test project that uses this must build those programs first: give it
/// <c>&lt;ProjectReference Include="…/src/raftnode/raftnode.csproj" ReferenceOutputAssembly="false" /&gt;</c>
/// (and the same for raftctl). The environment variables <c>RAFTKV_RAFTNODE_DLL</c> and
/// <c>RAFTKV_RAFTCTL_DLL</c> override the paths.
/// </remarks>
public static class Binaries
{
    private const string TargetFramework = "net10.0";
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root: the nearest folder above the test assembly that holds RaftKv.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The build configuration of the test assemblies (Debug or Release).</summary>
    public static string Configuration =>
        typeof(Binaries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";

    /// <summary>raftnode.dll, to run with <c>dotnet</c>.</summary>
    public static string RaftnodeDll => Locate("raftnode", "RAFTKV_RAFTNODE_DLL");

    /// <summary>raftctl.dll, to run with <c>dotnet</c>.</summary>
    public static string RaftctlDll => Locate("raftctl", "RAFTKV_RAFTCTL_DLL");

    /// <summary>The dotnet host running these tests, so the children use the same runtime.</summary>
    public static string DotnetHost =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? p : "dotnet";

    /// <summary>
    /// The raftctl the build ships: the Native AOT program a Release build publishes beside raftctl.dll when clang is
    /// installed (src/raftctl/raftctl.csproj), as long as it is not older than raftctl.dll; otherwise null.
    /// </summary>
    public static string? NativeRaftctl
    {
        get
        {
            if (Environment.GetEnvironmentVariable("RAFTKV_RAFTCTL_DLL") is { Length: > 0 }) return null;
            var native = Path.Combine(RepositoryRoot, "src", "raftctl", "bin", Configuration, TargetFramework, "linux-x64", "publish", "raftctl");
            return File.Exists(native) && File.GetLastWriteTimeUtc(native) >= File.GetLastWriteTimeUtc(RaftctlDll) ? native : null;
        }
    }

    /// <summary>How to start raftctl: the native program when there is one (what bin/raftctl is), else dotnet raftctl.dll.</summary>
    public static (string FileName, IReadOnlyList<string> Prefix) RaftctlCommand =>
        NativeRaftctl is { } native ? (native, []) : (DotnetHost, [RaftctlDll]);

    /// <summary>Runs raftctl to completion (killed after <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static Task<ProcessResult> RunRaftctlAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var (fileName, prefix) = RaftctlCommand;
        return ProcessRunner.RunAsync(fileName, [.. prefix, .. arguments], workingDirectory, timeout, cancellationToken);
    }

    /// <summary>Runs raftnode to completion (killed after <paramref name="timeout"/>): for command-line checks that must exit at once.</summary>
    public static Task<ProcessResult> RunRaftnodeAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? workingDirectory = null) =>
        ProcessRunner.RunAsync(DotnetHost, [RaftnodeDll, .. arguments], workingDirectory, timeout, cancellationToken);

    private static string Locate(string program, string overrideVariable)
    {
        if (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } overridden)
        {
            if (!File.Exists(overridden)) throw new FileNotFoundException($"{overrideVariable} names {overridden}, which does not exist");
            return overridden;
        }

        var expected = Path.Combine(RepositoryRoot, "src", program, "bin", Configuration, TargetFramework, program + ".dll");
        if (File.Exists(expected)) return expected;
        throw new FileNotFoundException(
            $"{expected} does not exist. The test project must build {program} first: add " +
            $"<ProjectReference Include=\"…/src/{program}/{program}.csproj\" ReferenceOutputAssembly=\"false\" /> to it, " +
            $"or set {overrideVariable}.");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RaftKv.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no RaftKv.sln in any folder above {AppContext.BaseDirectory}");
    }
}
