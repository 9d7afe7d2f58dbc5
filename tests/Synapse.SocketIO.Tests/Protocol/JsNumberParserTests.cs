using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Tests.Protocol;

public class JsNumberParserTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData(" \t\n\u00A0\uFEFF\u2028", 0)]
    [InlineData("12", 12)]
    [InlineData(" 12 ", 12)]
    [InlineData("007", 7)]
    [InlineData("+1", 1)]
    [InlineData("-1", -1)]
    [InlineData("1.", 1)]
    [InlineData(".5", 0.5)]
    [InlineData("1e3", 1000)]
    [InlineData("1E+3", 1000)]
    [InlineData("2.5e-1", 0.25)]
    [InlineData("0x1F", 31)]
    [InlineData("0X1f", 31)]
    [InlineData("0b101", 5)]
    [InlineData("0o17", 15)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    [InlineData("1e400", double.PositiveInfinity)]
    public void Reads_what_javascript_number_reads(string text, double expected)
    {
        Assert.Equal(expected, JsNumberParser.ToNumber(text));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("1a")]
    [InlineData("1 2")]
    [InlineData(".")]
    [InlineData("e5")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("0x")]
    [InlineData("0xg")]
    [InlineData("-0x1")]
    [InlineData("0b2")]
    [InlineData("1_000")]
    [InlineData("infinity")]
    [InlineData("+-1")]
    [InlineData("\u00661")]
    [InlineData("١")]
    public void Reads_nan_where_javascript_number_does(string text)
    {
        Assert.True(double.IsNaN(JsNumberParser.ToNumber(text)));
    }
}
