namespace RaftKv.Transport.Tests;

public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000)]
    [InlineData("localhost:7001", "localhost", 7001)]
    [InlineData("node-2.example:65535", "node-2.example", 65535)]
    [InlineData("[::1]:7002", "::1", 7002)]
    public void A_host_and_port_are_parsed(string text, string host, int port)
    {
        PeerAddress.Parse(text).Should().Be(new PeerAddress(host, port));
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData(":7000")]
    [InlineData("localhost:")]
    [InlineData("localhost:0")]
    [InlineData("localhost:70000")]
    [InlineData("localhost:-1")]
    [InlineData("localhost:7000x")]
    [InlineData("::1:7000")]
    public void A_malformed_address_is_refused_with_its_text_in_the_message(string text)
    {
        var act = () => PeerAddress.Parse(text);

        act.Should().Throw<ArgumentException>().WithMessage($"*'{text}'*");
    }
}
