using System.Diagnostics;
using RaftKv.Testing.Processes;

namespace RaftKv.Cluster.Tests;

/// <summary>
/// The raftctl a Release build leaves in bin/ is the Native AOT program (issue 13: a one-shot command starts in tens of
/// milliseconds, not the JIT's ~300 ms). Its speed is measured with farm-bench (docs/BENCHMARKS.md), not here; this
/// checks what it is.
/// </summary>
public sealed class NativeRaftctlTests
{
    [SkippableFact]
    public async Task The_raftctl_in_bin_is_a_native_program_that_needs_no_dotnet_runtime_or_assemblies_beside_it()
    {
        Skip.IfNot(ClangInstalled(), "clang is not installed, so the build made the JIT raftctl (apt-get install -y clang; .ci/test does it when run as root)");
        Binaries.NativeRaftctl.Should().NotBeNull("a Release build with clang installed publishes the native raftctl (src/raftctl/raftctl.csproj)");
        var shipped = Path.Combine(Binaries.RepositoryRoot, "bin", "raftctl");
        File.ReadAllBytes(shipped).Should().Equal(File.ReadAllBytes(Binaries.NativeRaftctl!), "bin/raftctl is the native program");

        // Alone in an empty folder, with no dotnet anywhere it could look: a JIT launcher cannot start there.
        var alone = Directory.CreateTempSubdirectory("raftctl-native-");
        try
        {
            var copy = Path.Combine(alone.FullName, "raftctl");
            File.Copy(shipped, copy); // keeps the execute bit
            var info = new ProcessStartInfo(copy, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = alone.FullName };
            info.Environment["PATH"] = "/nonexistent";
            info.Environment["DOTNET_ROOT"] = "/nonexistent";
            using var process = Process.Start(info)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0, "stderr: {0}", await stderr);
            (await stdout).Should().NotBeNullOrWhiteSpace();
        }
        finally
        {
            alone.Delete(recursive: true);
        }
    }

    private static bool ClangInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "clang")));
}
