using System.Net;
using RaftKv.Protocol;

namespace RaftKv.Client.Tests;

public sealed class ServerListTests
{
    [Fact]
    public void Node_ids_count_only_address_lines_so_comments_and_blank_lines_do_not_shift_them()
    {
        var list = ServerList.Parse("# header\n\n127.0.0.1:7000  # node 0\n   \n# between\nlocalhost:7001\r\n[::1]:7002\n", "servers.txt");

        list.Addresses.Should().Equal("127.0.0.1:7000", "localhost:7001", "[::1]:7002");
        list[1].Should().Be("localhost:7001");
        list.Count.Should().Be(3);
    }

    [Theory]
    [InlineData("127.0.0.1:7000\nnot-an-address\n", 2, "missing ':port'")]
    [InlineData("# c\n127.0.0.1:70000\n", 2, "port '70000'")]
    [InlineData("127.0.0.1:7000\n\n127.0.0.1:0\n", 3, "port '0'")]
    [InlineData("::1:7000\n", 1, "brackets")]
    [InlineData("127.0.0.1:7000 127.0.0.1:7001\n", 1, "one host:port per line")]
    [InlineData("bad_host!:7000\n", 1, "not an IPv4 address or a host name")]
    [InlineData("300.1.1.1:7000\n", 1, "not an IPv4 address or a host name")]
    [InlineData("[nonsense]:7000\n", 1, "not an IPv6 address")]
    [InlineData(":7000\n", 1, "missing host")]
    [InlineData("127.0.0.1:7000\n127.0.0.1:7000\n", 2, "already listed on line 1")]
    public void Bad_lines_are_refused_with_the_file_and_line_named(string text, int line, string reason)
    {
        var parse = () => ServerList.Parse(text, "cluster/servers.txt");

        parse.Should().Throw<FormatException>()
            .Where(e => e.Message.StartsWith($"cluster/servers.txt:{line}: ", StringComparison.Ordinal) && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_without_addresses_is_refused()
    {
        var parse = () => ServerList.Parse("# only a comment\n\n", "empty.txt");

        parse.Should().Throw<FormatException>().WithMessage("empty.txt: no servers listed*");
    }

    [Fact]
    public void Load_names_a_missing_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"raftkv-missing-{Guid.NewGuid():N}.txt");

        var load = () => ServerList.Load(path);

        load.Should().Throw<IOException>().Where(e => e.Message.Contains(path, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000)]
    [InlineData("localhost:7001", "127.0.0.1", 7001)]
    [InlineData("LOCALHOST:7001", "127.0.0.1", 7001)]
    [InlineData("[::1]:7002", "::1", 7002)]
    public void Literals_and_localhost_resolve_without_dns(string address, string ip, int port)
    {
        ServerList.ResolveEndPoint(address).Should().Be(new IPEndPoint(IPAddress.Parse(ip), port));
    }

    [Fact]
    public void Resolving_a_malformed_address_names_it()
    {
        var resolve = () => ServerList.ResolveEndPoint("nope");

        resolve.Should().Throw<FormatException>().WithMessage("'nope' is not a valid host:port*");
    }
}
