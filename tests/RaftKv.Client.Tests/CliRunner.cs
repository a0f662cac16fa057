using RaftKv.Ctl;

namespace RaftKv.Client.Tests;

/// <summary>Runs raftctl in-process on string streams.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(IReadOnlyList<string> args, string stdin = "")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var input = new StringReader(stdin);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var code = await new Cli(output, error, input).RunAsync(args, deadline.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
