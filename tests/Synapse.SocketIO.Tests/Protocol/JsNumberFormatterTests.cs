using System.Text;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Tests.Protocol;

public class JsNumberFormatterTests
{
    private static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        return Encoding.ASCII.GetString(buffer[..JsNumberFormatter.Format(value, buffer)]);
    }

    private static string Format(float value)
    {
        Span<byte> buffer = stackalloc byte[JsNumberFormatter.MaxLength];
        return Encoding.ASCII.GetString(buffer[..JsNumberFormatter.Format(value, buffer)]);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.0, "-1")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.30000000000000004, "0.30000000000000004")]
    [InlineData(1.5, "1.5")]
    [InlineData(4.35, "4.35")]
    [InlineData(100.0, "100")]
    [InlineData(1e15, "1000000000000000")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.2345678901234567e21, "1.2345678901234568e+21")]
    [InlineData(-1.5e300, "-1.5e+300")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(0.000001234, "0.000001234")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1.5e-7, "1.5e-7")]
    [InlineData(123e-20, "1.23e-18")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(2.2250738585072014e-308, "2.2250738585072014e-308")]
    [InlineData(9007199254740993.0, "9007199254740992")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(12345678901234567890.0, "12345678901234567000")]
    public void Formats_doubles_as_number_to_string(double value, string expected)
    {
        Assert.Equal(expected, Format(value));
    }

    [Fact]
    public void Formats_negative_zero_as_zero()
    {
        Assert.Equal("0", Format(-0.0));
    }

    [Theory]
    [InlineData(1.1f, "1.1")]
    [InlineData(0.1f, "0.1")]
    [InlineData(1e21f, "1e+21")]
    [InlineData(1e-10f, "1e-10")]
    [InlineData(16777216f, "16777216")]
    [InlineData(3.4028235e38f, "3.4028235e+38")]
    [InlineData(-0f, "0")]
    public void Formats_floats_with_their_own_shortest_digits(float value, string expected)
    {
        Assert.Equal(expected, Format(value));
    }
}
