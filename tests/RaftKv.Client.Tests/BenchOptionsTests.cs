using System.CommandLine;
using RaftKv.Ctl;
using RaftKv.Ctl.Bench;

namespace RaftKv.Client.Tests;

/// <summary>raftctl bench: how its options are read and which are refused (no cluster: a bad option is refused before anything is dialled).</summary>
public sealed class BenchOptionsTests
{
    private static BenchOptions Parse(params string[] args)
    {
        var options = new BenchCommandOptions();
        var command = new Command("bench");
        options.AddTo(command);
        var parse = command.Parse(args);
        parse.Errors.Should().BeEmpty();
        return options.Read(parse);
    }

    [Fact]
    public void Defaults_are_16_clients_10000_operations_16_byte_keys_256_byte_values_and_only_writes()
    {
        var options = Parse();

        options.Clients.Should().Be(16);
        options.EffectiveTotal.Should().Be(10_000);
        options.Duration.Should().BeNull();
        options.KeySize.Should().Be(16);
        options.ValueSize.Should().Be(256);
        options.KeySpace.Should().Be(10_000);
        options.ReadRatio.Should().Be(0);
        options.Stale.Should().BeFalse();
    }

    [Fact]
    public void Every_option_is_read_from_the_command_line()
    {
        var options = Parse("--clients", "64", "--connections", "4", "--duration", "2.5", "--key-size", "8",
            "--value-size", "100", "--key-space", "500", "--read-ratio", "0.25", "--stale");

        options.Should().BeEquivalentTo(new BenchOptions
        {
            Clients = 64,
            Connections = 4,
            Duration = TimeSpan.FromSeconds(2.5),
            KeySize = 8,
            ValueSize = 100,
            KeySpace = 500,
            ReadRatio = 0.25,
            Stale = true,
        });
    }

    [Fact]
    public void A_duration_replaces_the_default_total()
    {
        var options = Parse("--duration", "10");

        options.EffectiveTotal.Should().BeNull();
        options.Duration.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 1)]
    [InlineData(17, 2)]
    [InlineData(256, 16)]
    public void Clients_share_one_connection_per_16_unless_told_otherwise(int clients, int connections)
    {
        new BenchOptions { Clients = clients }.EffectiveConnections.Should().Be(connections);
    }

    [Theory]
    [InlineData("--clients 0", "--clients must be between 1 and 10000, not 0")]
    [InlineData("--clients 10001", "--clients must be between 1 and 10000")]
    [InlineData("--clients 4 --connections 5", "--connections must be between 1 and --clients (4), not 5")]
    [InlineData("--total 0", "--total must be at least 1, not 0")]
    [InlineData("--total 10 --duration 5", "give either --total or --duration, not both")]
    [InlineData("--duration 0", "--duration must be more than 0")]
    [InlineData("--duration -1", "--duration must be more than 0")]
    [InlineData("--duration NaN", "--duration must be more than 0")]
    [InlineData("--key-size 0", "--key-size must be between 1 and 4096 bytes, not 0")]
    [InlineData("--key-size 4097", "--key-size must be between 1 and 4096 bytes")]
    [InlineData("--value-size -1", "--value-size must be between 0 and")]
    [InlineData("--value-size 1048575", "--value-size must be between 0 and 1048574 bytes")]
    [InlineData("--key-space 0", "--key-space must be at least 1, not 0")]
    [InlineData("--key-size 3 --key-space 10000", "--key-size 3 is too small for --key-space 10000: key numbers need 4 digits")]
    [InlineData("--read-ratio 1.5", "--read-ratio must be between 0 and 1, not 1.5")]
    [InlineData("--read-ratio -0.1", "--read-ratio must be between 0 and 1")]
    [InlineData("--stale", "--stale applies to reads, but --read-ratio is 0")]
    public void Bad_values_are_refused_with_a_message_naming_the_option(string args, string message)
    {
        var act = () => Parse(args.Split(' '));

        act.Should().Throw<ArgumentException>().WithMessage(message + "*");
    }

    [Fact]
    public void A_key_space_that_exactly_fills_the_key_size_is_accepted()
    {
        var options = Parse("--key-size", "4", "--key-space", "10000");

        options.KeySpace.Should().Be(10_000);
    }

    [Theory]
    [InlineData("--clients", "-3", "--clients must be between 1 and 10000, not -3")]
    [InlineData("--read-ratio", "2", "--read-ratio must be between 0 and 1, not 2")]
    [InlineData("--total", "5", "give either --total or --duration, not both")]
    public async Task Raftctl_bench_exits_2_on_a_bad_option_before_reading_the_servers_file(string option, string value, string message)
    {
        // The servers file does not exist: an exit code 2 that names the option proves nothing was read or dialled.
        var missing = Path.Combine(Path.GetTempPath(), $"raftkv-bench-{Guid.NewGuid():N}", "servers.txt");
        string[] args = option == "--total"
            ? ["--servers", missing, "bench", "--total", value, "--duration", "1"]
            : ["--servers", missing, "bench", option, value];

        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Out.Should().BeEmpty();
        result.Err.Should().Be($"error: {message}\nusage: raftctl bench [options]  (more: raftctl help bench)\n").And.NotContain(missing);
    }

    [Fact]
    public async Task Raftctl_bench_exits_2_on_a_value_that_is_not_a_number()
    {
        var result = await CliRunner.RunAsync(["bench", "--clients", "many"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Err.Should().Contain("many");
    }

    [Fact]
    public async Task Raftctl_bench_exits_2_when_the_servers_file_is_missing()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"raftkv-bench-{Guid.NewGuid():N}", "servers.txt");

        var result = await CliRunner.RunAsync(["--servers", missing, "bench", "--total", "1"]);

        result.ExitCode.Should().Be(ExitCodes.Usage);
        result.Err.Should().Contain(missing);
    }
}
